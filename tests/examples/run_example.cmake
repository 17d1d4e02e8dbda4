# Runs one example in the current directory and checks that it exits 0 and that its stdout
# matches every expected regular expression (one starting "stderr:" is matched against stderr). A script rather than PASS_REGULAR_EXPRESSION alone:
# with that property CTest ignores the exit code.
#   cmake -DEXAMPLE=<exe> -DEXPECT=<regex1@@regex2> -P run_example.cmake
# "@@" separates the expressions because a ';' does not survive add_test's argument handling, and
# "\n" in an expression stands for a newline, so that a test command stays on one line.
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND "${EXAMPLE}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
set(_report "example: ${EXAMPLE}\nexit: ${_rc}\n--- stdout ---\n${_out}\n--- stderr ---\n${_err}")

if(NOT _rc STREQUAL "0")
  message(FATAL_ERROR "expected exit code 0\n${_report}")
endif()
string(REPLACE "\\n" "\n" _expected "${EXPECT}")
string(REPLACE "@@" ";" _expected "${_expected}")
foreach(_regex IN LISTS _expected)
  if(_regex MATCHES "^stderr:(.*)$")  # "stderr:<regex>": the library's own messages go there
    set(_regex "${CMAKE_MATCH_1}")
    if(NOT _err MATCHES "${_regex}")
      message(FATAL_ERROR "stderr should match '${_regex}'\n${_report}")
    endif()
  elseif(NOT _out MATCHES "${_regex}")
    message(FATAL_ERROR "stdout should match '${_regex}'\n${_report}")
  endif()
endforeach()
message("${_report}")
