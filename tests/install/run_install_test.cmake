# The installability test, as a script so that it runs wherever CMake does:
#   cmake -DAGENTRACE_SOURCE_DIR=<source tree> -DAGENTRACE_BINARY_DIR=<build tree>
#         -DCONSUMER_SOURCE_DIR=<consumer> -DWORK_DIR=<scratch>
#         -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>] -DCXX_COMPILER=<path> [-DCONFIG=<config>]
#         [-DCXX_FLAGS=<flags>] [-DTESTING_PROJECT_DIR=<examples/testing>] -P run_install_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_var AGENTRACE_SOURCE_DIR AGENTRACE_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT ${_var})
    message(FATAL_ERROR "install test: -D${_var}=... is required")
  endif()
endforeach()

set(_prefix ${WORK_DIR}/prefix)
set(_consumer_build ${WORK_DIR}/consumer-build)
# A fresh prefix every run: files left by an earlier install must not hide a missing one.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# Runs one step; on failure shows everything it printed.
function(_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "install test: ${name} failed (${_rc}):\n${_out}")
  endif()
  message(STATUS "install test: ${name}: ok")
  set(_step_output "${_out}" PARENT_SCOPE)
endfunction()

set(_config_args "")
if(CONFIG)
  set(_config_args --config ${CONFIG})
endif()

_step("install" ${CMAKE_COMMAND} --install ${AGENTRACE_BINARY_DIR} --prefix ${_prefix} ${_config_args})

# The installed `agentrace demo` reads the data installed beside it (<prefix>/share/agentrace),
# not the checkout's, although this prefix is not the one the build was configured for.
if(EXISTS ${_prefix}/bin/agentrace)
  set(ENV{AGENTRACE_DEMO_DIR} "")
  _step("installed demo" ${_prefix}/bin/agentrace demo --trace-dir ${WORK_DIR}/demo-traces)
  string(FIND "${_step_output}" "${_prefix}/share/agentrace/examples/demo_script.json" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "install test: the installed demo did not read ${_prefix}/share/agentrace/examples:\n${_step_output}")
  endif()
  string(FIND "${_step_output}" "Final answer (completed" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "install test: the installed demo did not complete:\n${_step_output}")
  endif()
endif()

# Where GNUInstallDirs puts the library depends on the prefix (lib, lib64, lib/<multiarch>).
function(_expect_installed pattern)
  file(GLOB_RECURSE _found LIST_DIRECTORIES false RELATIVE ${_prefix} ${_prefix}/*)
  list(FILTER _found INCLUDE REGEX "${pattern}")
  if(NOT _found)
    message(FATAL_ERROR "install test: nothing installed matches ${pattern}")
  endif()
endfunction()
foreach(_pattern
    "^lib[^/]*/(.*/)?libagentrace_tracing\\.a$"
    "/cmake/agentrace/agentraceConfig\\.cmake$"
    "/cmake/agentrace/agentraceConfigVersion\\.cmake$"
    "/cmake/agentrace/agentraceTargets\\.cmake$")
  _expect_installed("${_pattern}")
endforeach()

# Every public header of every module (<module>/include/agentrace/<module>/...), so a module or a
# header added later is checked without editing this file.
file(GLOB _include_dirs LIST_DIRECTORIES true ${AGENTRACE_SOURCE_DIR}/*/include)
set(_headers "")
foreach(_dir IN LISTS _include_dirs)
  file(GLOB_RECURSE _found RELATIVE ${_dir} ${_dir}/agentrace/*.hpp)
  list(APPEND _headers ${_found})
endforeach()
if(NOT _headers)
  message(FATAL_ERROR "install test: no public headers found under ${AGENTRACE_SOURCE_DIR}/*/include")
endif()
foreach(_header IN LISTS _headers)
  if(NOT EXISTS ${_prefix}/include/${_header})
    message(FATAL_ERROR "install test: ${_header} is not installed under ${_prefix}/include")
  endif()
endforeach()
list(LENGTH _headers _count)
message(STATUS "install test: ${_count} public headers installed")

# How every project outside the tree is configured: against the fresh install only.
set(_project_args -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${_prefix}
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}")
if(MAKE_PROGRAM)
  list(APPEND _project_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CONFIG)
  list(APPEND _project_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
_step("configure consumer" ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${_consumer_build} ${_project_args})

# find_package must have used the fresh install, not some other agentrace on the machine.
file(STRINGS ${_consumer_build}/CMakeCache.txt _dir REGEX "^agentrace_DIR:")
string(REGEX REPLACE "^agentrace_DIR:[A-Z]+=" "" _dir "${_dir}")
string(FIND "${_dir}" "${_prefix}/" _at)
if(NOT _at EQUAL 0)
  message(FATAL_ERROR "install test: found agentrace at '${_dir}', not under ${_prefix}")
endif()

_step("build consumer" ${CMAKE_COMMAND} --build ${_consumer_build} ${_config_args})

set(_exe ${_consumer_build}/agentrace_consumer)
if(NOT EXISTS ${_exe} AND CONFIG)
  set(_exe ${_consumer_build}/${CONFIG}/agentrace_consumer)  # multi-config generators
endif()
_step("run consumer" ${_exe})
message(STATUS "install test: ${_step_output}")

# The test project of docs/testing.md, configured and built with its own CMakeLists.txt (the lines
# the page shows): its Catch2 tests must find the test kit in the install and pass.
if(TESTING_PROJECT_DIR)
  set(_testing_build ${WORK_DIR}/testing-build)
  _step("configure the testing example" ${CMAKE_COMMAND} -S ${TESTING_PROJECT_DIR} -B ${_testing_build} ${_project_args})
  _step("build the testing example" ${CMAKE_COMMAND} --build ${_testing_build} ${_config_args})
  set(_ctest_config "")
  if(CONFIG)
    set(_ctest_config -C ${CONFIG})
  endif()
  _step("run the testing example's tests" ${CMAKE_CTEST_COMMAND} --test-dir ${_testing_build} --output-on-failure ${_ctest_config})
  string(REGEX MATCH "[0-9]+% tests passed[^\n]*" _summary "${_step_output}")
  message(STATUS "install test: testing example: ${_summary}")
endif()
