# `agentrace demo --code` as a user runs it: the manager is a code agent; its step shows the code,
# what it printed and the calls it made (`view --step`); `replay` re-runs it from its cassette.
#   cmake -DCOMMAND=<agentrace> -DWORK_DIR=<dir> -P demo_code_flow.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_traces "${WORK_DIR}/traces")

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

run(demo 0 demo --code --trace-dir "${_traces}" --no-color)
expect(demo_code "${demo_out}"
  "manager #1  → researcher"
  "    researcher #2  → read_file"
  "Final answer (completed, 2 steps"
  "real GDP doubles in about 25 years"
  "= 25.10 years."
  "agentrace.step.action=code" "`-- execute_code" "`-- execute_tool researcher" "`-- invoke_agent researcher"
  "inspect:  agentrace view" "--step 1 --agent manager")
string(REGEX MATCH "trace:    ([^\n]+\\.jsonl)" _ "${demo_out}")
set(_trace "${CMAKE_MATCH_1}")
if(NOT EXISTS "${_trace}")
  message(FATAL_ERROR "the demo named ${_trace} as its trace, which does not exist")
endif()

run(step 0 view "${_trace}" --step 1 --agent manager --no-color)
expect(view_code_step "${step_out}" "manager · step 1 of 2" "action: code" "Decision: code" "lua code, 5 lines"
  "Code (lua)  ok" "rate = tonumber(report:match(" "Observation (what the model read):"
  "at 2.8% a year the GDP doubles in 25.10 years" "Calls made by the code (1):" "researcher (code_1_1)  ok"
  "child agent:")

run(replay 0 replay "${_trace}")
expect(replay_code "${replay_out}" "replay: MATCH (6 of 6 recorded model calls replayed)" "final answer: same"
  "span tree: same shape")
