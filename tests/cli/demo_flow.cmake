# What a user does first, in a fresh directory: run the demo, look at one iteration, list the
# runs, replay the run; then the replay of a tampered cassette must name the first request that
# differs. Also `list` on an empty directory.
#   cmake -DCOMMAND=<agentrace> -DWORK_DIR=<dir> -P demo_flow.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/empty")
set(_traces "${WORK_DIR}/traces")

# run(<name> <expected exit> <args>...): runs the command, sets <name>_out / <name>_err.
macro(run name expected)
  execute_process(COMMAND "${COMMAND}" ${ARGN} WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE ${name}_out ERROR_VARIABLE ${name}_err)
  if(NOT _rc STREQUAL "${expected}")
    message(FATAL_ERROR "${COMMAND} ${ARGN}: exit ${_rc}, expected ${expected}\n--- stdout ---\n${${name}_out}\n--- stderr ---\n${${name}_err}")
  endif()
endmacro()

function(expect name text)
  foreach(_item IN LISTS ARGN)
    string(FIND "${text}" "${_item}" _pos)
    if(_pos EQUAL -1)
      message(FATAL_ERROR "${name}: expected '${_item}' in:\n${text}")
    endif()
  endforeach()
endfunction()

run(empty 0 list "${WORK_DIR}/empty")
expect(list_empty "${empty_out}" "no traces in")

run(demo 0 demo --trace-dir "${_traces}" --no-color)
expect(demo "${demo_out}"
  "agentrace demo · offline: the model is scripted"
  "manager #1  → researcher"
  "    researcher #1  → search"
  "    analyst #1  ← calculator: 25.1"
  "Final answer (completed, 3 steps"
  "= 25.1 years."
  "Span tree:" "`-- invoke_agent researcher" "execute_tool calculator"
  "Timeline:" "invoke_agent manager  "
  "trace:    " "cassette: " "inspect:  agentrace view")
string(REGEX MATCH "trace:    ([^\n]+\\.jsonl)" _ "${demo_out}")
set(_trace "${CMAKE_MATCH_1}")
if(NOT EXISTS "${_trace}")
  message(FATAL_ERROR "the demo named ${_trace} as its trace, which does not exist")
endif()

run(step 0 view "${_trace}" --step 2 --agent researcher --no-color)
expect(view_step "${step_out}" "researcher · step 2 of 4" "Messages given to the model:" "Decision: tool_calls [read_file]"
  "read_file (call_2)  ok" "increased 2.8 percent in 2024")

run(demo2 0 demo --trace-dir "${_traces}" --quiet)
expect(demo_quiet "${demo2_out}" "Final answer")
string(FIND "${demo2_out}" "Span tree:" _pos)
if(NOT _pos EQUAL -1)
  message(FATAL_ERROR "--quiet still printed the span tree")
endif()

run(list 0 list "${_traces}")
expect(list "${list_out}" "TIME (UTC)" "manager" "completed" "4245/380" "2 runs")

run(replay 0 replay "${_trace}")
expect(replay "${replay_out}" "replay: MATCH (9 of 9 recorded model calls replayed)" "final answer: same" "span tree: same shape"
  "memory: a scratch store in ")

# A replay writes nothing beside its cassette (a directory that may be read-only): the trace and
# the cassette alone, copied into a directory of their own, are all it holds afterwards.
string(REPLACE ".jsonl" ".cassette.json" _recorded_cassette "${_trace}")
file(MAKE_DIRECTORY "${WORK_DIR}/replay_only")
file(COPY "${_trace}" "${_recorded_cassette}" DESTINATION "${WORK_DIR}/replay_only")
get_filename_component(_trace_name "${_trace}" NAME)
run(replay_only 0 replay "${WORK_DIR}/replay_only/${_trace_name}")
expect(replay_only "${replay_only_out}" "replay: MATCH")
file(GLOB _left RELATIVE "${WORK_DIR}/replay_only" "${WORK_DIR}/replay_only/*")
list(LENGTH _left _count)
if(NOT _count EQUAL 2)
  message(FATAL_ERROR "replay wrote beside the cassette: ${_left}")
endif()

# Tamper with what read_file returned in the recording.
string(REPLACE ".jsonl" ".cassette.json" _cassette "${_trace}")
file(READ "${_cassette}" _text)
string(REPLACE "increased 2.8 percent in 2024\\n(from" "increased 3.1 percent in 2024\\n(from" _tampered "${_text}")
if(_tampered STREQUAL _text)
  message(FATAL_ERROR "the cassette does not hold the read_file result this test tampers with")
endif()
file(WRITE "${_cassette}" "${_tampered}")
run(tampered 1 replay "${_cassette}")
expect(replay_tampered "${tampered_out}" "replay: DIFFERENT" "first differing request: agent researcher, step 3"
  "- " "3.1 percent" "+ " "2.8 percent")

file(WRITE "${_cassette}" "{ not a cassette")
run(broken 1 replay "${_cassette}")
expect(replay_broken "${broken_err}" "not valid JSON")

# A run continuing an incoming trace context: the caller's trace id, the root a child of its span.
run(child 0 demo --trace-dir "${WORK_DIR}/child" --quiet --traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01)
set(_child "${WORK_DIR}/child/4bf92f3577b34da6a3ce929d0e0e4736.jsonl")
if(NOT EXISTS "${_child}")
  message(FATAL_ERROR "--traceparent: expected the trace in ${_child}\n${child_out}")
endif()
file(STRINGS "${_child}" _root REGEX "\"name\":\"invoke_agent manager\"")
expect(traceparent "${_root}" "\"parent_span_id\":\"00f067aa0ba902b7\"" "\"parent_remote\":true")
