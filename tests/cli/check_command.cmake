# Runs one command and checks its exit code and output; used by the CLI tests so they need
# nothing but CMake on any platform.
#   cmake -DCOMMAND=<exe> -DARGS=<a@@b@@c> -DEXPECT_EXIT=<n>
#         [-DSTDOUT_HAS=<s1@@s2>] [-DSTDOUT_LACKS=<..>] [-DSTDERR_HAS=<..>] [-DSTDERR_LACKS=<..>]
#         [-DSTDERR_EMPTY=ON] [-DSTDOUT_EMPTY=ON] [-DSTDOUT_GOLDEN=<file>] -P check_command.cmake
# STDOUT_GOLDEN compares stdout with the file byte for byte; with AGENTRACE_UPDATE_GOLDEN=1 in the
# environment it rewrites the file instead (review the diff, then commit).
# Lists use "@@" because a ';' does not survive add_test's argument handling intact, and the
# expected texts are plain substrings (not regexes) since rendered output is full of '|', '[' and '.'.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "@@" ";" _args "${ARGS}")
execute_process(COMMAND "${COMMAND}" ${_args}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)

set(_report "command: ${COMMAND} ${_args}\nexit: ${_rc}\n--- stdout ---\n${_out}\n--- stderr ---\n${_err}")

if(NOT "${_rc}" STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "expected exit code ${EXPECT_EXIT}\n${_report}")
endif()

function(_expect stream text wanted)
  string(REPLACE "@@" ";" _items "${wanted}")
  foreach(_item IN LISTS _items)
    string(FIND "${text}" "${_item}" _pos)
    if(ARGV3 STREQUAL "LACKS" AND NOT _pos EQUAL -1)
      message(FATAL_ERROR "${stream} should not contain '${_item}'\n${_report}")
    elseif(NOT ARGV3 STREQUAL "LACKS" AND _pos EQUAL -1)
      message(FATAL_ERROR "${stream} should contain '${_item}'\n${_report}")
    endif()
  endforeach()
endfunction()

if(DEFINED STDOUT_HAS)
  _expect(stdout "${_out}" "${STDOUT_HAS}")
endif()
if(DEFINED STDOUT_LACKS)
  _expect(stdout "${_out}" "${STDOUT_LACKS}" LACKS)
endif()
if(DEFINED STDERR_HAS)
  _expect(stderr "${_err}" "${STDERR_HAS}")
endif()
if(DEFINED STDERR_LACKS)
  _expect(stderr "${_err}" "${STDERR_LACKS}" LACKS)
endif()
if(DEFINED STDOUT_GOLDEN)
  if("$ENV{AGENTRACE_UPDATE_GOLDEN}" STREQUAL "1")
    file(WRITE "${STDOUT_GOLDEN}" "${_out}")
  endif()
  file(READ "${STDOUT_GOLDEN}" _golden)
  if(NOT _out STREQUAL _golden)
    file(WRITE "${STDOUT_GOLDEN}.actual" "${_out}")
    message(FATAL_ERROR "stdout differs from ${STDOUT_GOLDEN} (actual output in ${STDOUT_GOLDEN}.actual; "
                        "diff them, and rerun with AGENTRACE_UPDATE_GOLDEN=1 when the change is intended)\n${_report}")
  endif()
endif()
if(STDERR_EMPTY AND NOT _err STREQUAL "")
  message(FATAL_ERROR "stderr should be empty\n${_report}")
endif()
if(STDOUT_EMPTY AND NOT _out STREQUAL "")
  message(FATAL_ERROR "stdout should be empty\n${_report}")
endif()
