# Warning and sanitizer flags shared by every target of the project (not exported to consumers).
add_library(agentrace_build_flags INTERFACE)
target_compile_options(agentrace_build_flags INTERFACE -Wall -Wextra -Wpedantic
  $<$<BOOL:${AGENTRACE_WERROR}>:-Werror>)

if(AGENTRACE_SANITIZE)
  set(_san "-fsanitize=${AGENTRACE_SANITIZE}")
  if(AGENTRACE_SANITIZE MATCHES "undefined")
    string(APPEND _san " -fno-sanitize-recover=undefined")
  endif()
  separate_arguments(_san_list UNIX_COMMAND "${_san} -fno-omit-frame-pointer")
  add_compile_options(${_san_list})
  add_link_options(${_san_list})
endif()

# Every project target calls this: flags, and the module's alias.
function(agentrace_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:agentrace_build_flags>)
endfunction()
