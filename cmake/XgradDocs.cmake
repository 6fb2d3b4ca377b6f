# The `docs` target: the Doxygen API reference of the public headers (docs/Doxyfile.in), written to
# <build>/docs/api/html. Not part of `all`; scripts/docs.sh installs doxygen and builds it. Any
# Doxygen warning (printed as file:line: text) fails the target.
find_package(Doxygen QUIET)
set(XGRAD_DOXYGEN_ROOT ${XGRAD_INCLUDE_LINK_DIR}/xgrad)   # the source root, reached as include/xgrad
set(XGRAD_DOXYGEN_INPUT "${PROJECT_SOURCE_DIR}/docs/api-mainpage.md ${XGRAD_DOXYGEN_ROOT}/xgrad.hpp ${XGRAD_DOXYGEN_ROOT}/version.hpp")
# The documented folders are the installed ones: the layers, and distributed/ (cmake/XgradDistributed.cmake)
# without the transport internals its install rule leaves out.
set(xgrad_documented_folders ${XGRAD_LAYERS})
set(XGRAD_DOXYGEN_EXCLUDE "${XGRAD_DOXYGEN_ROOT}/core/kernels")
if(EXISTS ${PROJECT_SOURCE_DIR}/distributed)
  list(APPEND xgrad_documented_folders distributed)
  string(APPEND XGRAD_DOXYGEN_EXCLUDE
         " ${XGRAD_DOXYGEN_ROOT}/distributed/backend.hpp ${XGRAD_DOXYGEN_ROOT}/distributed/gradient_reducer.hpp")
endif()
foreach(folder IN LISTS xgrad_documented_folders)
  string(APPEND XGRAD_DOXYGEN_INPUT " ${XGRAD_DOXYGEN_ROOT}/${folder}")
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)

if(DOXYGEN_FOUND)
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/docs/api
    COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Doxygen API reference -> ${PROJECT_BINARY_DIR}/docs/api/html/index.html"
    VERBATIM)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "docs: doxygen not found; install it with: bash scripts/install-deps.sh docs"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
