# Warning and sanitizer flags shared by every target of the project (not exported to consumers).
add_library(agentrace_build_flags INTERFACE)
target_compile_options(agentrace_build_flags INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${AGENTRACE_WERROR}>:-Werror>)
# GCC 12 warns falsely with -Wrestrict inside libstdc++'s basic_string when optimising
# `"literal" + std::string` (GCC bug 105329, fixed in 13): off for GCC 12 only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(agentrace_build_flags INTERFACE -Wno-restrict)
endif()

if(AGENTRACE_SANITIZE)
  set(_san "-fsanitize=${AGENTRACE_SANITIZE}")
  if(AGENTRACE_SANITIZE MATCHES "undefined")
    # GCC's `undefined` leaves out float-cast-overflow (a double such as 1e300 cast to an
    # integer), which outside input can cause: checked too.
    string(APPEND _san " -fsanitize=float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow")
  endif()
  # Clang 14's -fsanitize=function (part of undefined) cannot compile coroutines: the split
  # coroutine functions fail with "Cannot represent a difference across sections" (Asio's
  # awaitables in net/, llm/ and agent/). It checks calls through function pointers of the
  # wrong type, which C++ code without casts between function types does not make.
  if(AGENTRACE_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    string(APPEND _san " -fno-sanitize=function")
  endif()
  separate_arguments(_san_list UNIX_COMMAND "${_san} -fno-omit-frame-pointer")
  add_compile_options(${_san_list})
  add_link_options(${_san_list})
  # GCC's manual warns that sanitizers raise false -Wmaybe-uninitialized warnings (seen here in
  # libstdc++'s <regex> under ASan at -O2); the dev build still checks them.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(agentrace_build_flags INTERFACE -Wno-maybe-uninitialized)
    # Likewise -Wmismatched-new-delete on Boost.Asio's coroutine frames, which its own operator
    # new allocates and its matching operator delete frees (seen here under ASan and TSan at -O2).
    target_compile_options(agentrace_build_flags INTERFACE -Wno-mismatched-new-delete)
    # -Wtsan flags every std::atomic_thread_fence, which TSan does not model; Boost.Asio's
    # executors use fences in headers we cannot change, so under TSan it stays a warning only.
    if(AGENTRACE_SANITIZE MATCHES "thread")
      target_compile_options(agentrace_build_flags INTERFACE -Wno-error=tsan)
    endif()
  endif()
endif()

# Fuzzing (the `fuzz` preset): every library gets libFuzzer's coverage instrumentation, so the
# fuzz targets (fuzz/, linked with -fsanitize=fuzzer) see the branches of the code they drive.
if(AGENTRACE_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "AGENTRACE_BUILD_FUZZ needs clang (libFuzzer); configure with the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Every project target calls this: flags, and the module's alias.
function(agentrace_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:agentrace_build_flags>)
endfunction()

# Declares module `name`: library agentrace_<name> (alias agentrace::<name>, exported as
# agentrace::<name>) with its public headers in <name>/include.
function(agentrace_add_module name)
  add_library(agentrace_${name} ${ARGN})
  add_library(agentrace::${name} ALIAS agentrace_${name})
  set_target_properties(agentrace_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME agentrace_${name}
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(agentrace_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(agentrace_${name} PUBLIC cxx_std_20)
  target_compile_definitions(agentrace_${name} PRIVATE AGENTRACE_VERSION="${PROJECT_VERSION}")
  agentrace_target_defaults(agentrace_${name})
endfunction()
