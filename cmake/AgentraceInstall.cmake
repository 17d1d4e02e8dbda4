# Installs every module's library and headers, the CLI, and a CMake package, so that
# find_package(agentrace) gives agentrace::<module> and the umbrella agentrace::agentrace.
# tests/install checks the result from a separate project.
include(CMakePackageConfigHelpers)

# testkit is not in the umbrella (it is for users' tests) but is installed for them all the same.
set(_modules base net tracing formats otlp llm memory tools schema code agent inspect testkit)
set(_targets agentrace)
foreach(_module IN LISTS _modules)
  list(APPEND _targets agentrace_${_module})
  install(DIRECTORY ${_module}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

install(TARGETS ${_targets}
  EXPORT agentraceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(AGENTRACE_BUILD_CLI)
  install(TARGETS agentrace_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # `agentrace demo` reads its corpus and script from here once installed.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/data DESTINATION ${CMAKE_INSTALL_DATADIR}/agentrace/examples)
  install(FILES ${PROJECT_SOURCE_DIR}/examples/demo_script.json DESTINATION ${CMAKE_INSTALL_DATADIR}/agentrace/examples)
endif()

set(_cfgdir ${CMAKE_INSTALL_LIBDIR}/cmake/agentrace)
install(EXPORT agentraceTargets NAMESPACE agentrace:: DESTINATION ${_cfgdir})
configure_package_config_file(cmake/agentraceConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/agentraceConfig.cmake INSTALL_DESTINATION ${_cfgdir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/agentraceConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/agentraceConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/agentraceConfigVersion.cmake DESTINATION ${_cfgdir})
