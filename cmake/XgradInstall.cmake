# Installation and packaging: `cmake --install build --prefix P` lays out
#
#   P/include/xgrad/xgrad.hpp, version.hpp, <layer>/*.hpp     headers, same relative paths as in-tree
#   P/lib/libxgrad.so.* or P/lib/libxgrad.a                     the library (shared or static build)
#   P/lib/cmake/xgrad/                                          find_package(xgrad) -> xgrad::xgrad
#   P/lib/pkgconfig/xgrad.pc                                    pkg-config --cflags --libs xgrad
#
# Dependencies: a shared libxgrad carries its own (TBB, OpenBLAS, Graphviz, zlib) in its DT_NEEDED
# list, so the package config only finds Threads; a static libxgrad.a does not, so the config finds
# them again with find_dependency (see cmake/xgradConfig.cmake.in) and xgrad.pc lists them in
# Requires.private / Libs.private for `pkg-config --static`. Header-only build dependencies
# (xtensor, nlohmann_json) never reach users; the opt-in interop header core/xtensor_interop.hpp is
# installed and the `xtensor` package component adds the xgrad::xtensor target that brings xtensor.
#
# The version is project()'s; core/version.hpp must spell the same numbers (checked below).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# --- version: core/version.hpp must agree with project() ---
file(STRINGS ${PROJECT_SOURCE_DIR}/core/version.hpp xgrad_version_lines REGEX "^#define XGRAD_VERSION_(MAJOR|MINOR|PATCH) ")
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "XGRAD_VERSION_${part} ([0-9]+)" _ "${xgrad_version_lines}")
  if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION_${part})
    message(FATAL_ERROR "core/version.hpp: XGRAD_VERSION_${part} is '${CMAKE_MATCH_1}', expected "
                        "'${PROJECT_VERSION_${part}}' (project() version ${PROJECT_VERSION} in CMakeLists.txt)")
  endif()
endforeach()

# --- headers, library, package ---
set(XGRAD_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xgrad)
set(XGRAD_PKGCONFIG_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

foreach(layer IN LISTS XGRAD_LAYERS)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xgrad/${layer}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/xgrad.hpp ${PROJECT_SOURCE_DIR}/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xgrad)
install(TARGETS xgrad EXPORT xgradTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT xgradTargets NAMESPACE xgrad:: DESTINATION ${XGRAD_CMAKE_INSTALL_DIR})

# Installed programs (tools/) find libxgrad next to them, wherever the prefix is.
if(NOT DEFINED CMAKE_INSTALL_RPATH)
  set(CMAKE_INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()

if(BUILD_SHARED_LIBS)
  set(XGRAD_PACKAGE_SHARED ON)
  set(XGRAD_PACKAGE_KIND shared)
else()
  set(XGRAD_PACKAGE_SHARED OFF)
  set(XGRAD_PACKAGE_KIND static)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/xgradConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/xgradConfig.cmake
  INSTALL_DESTINATION ${XGRAD_CMAKE_INSTALL_DIR})
# 0.x: a minor release may break compatibility, so only the same minor version satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/xgradConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/xgradConfig.cmake ${PROJECT_BINARY_DIR}/package/xgradConfigVersion.cmake
        DESTINATION ${XGRAD_CMAKE_INSTALL_DIR})

# --- pkg-config: relocatable (paths relative to the .pc file) ---
file(RELATIVE_PATH XGRAD_PC_PREFIX_FROM_PCDIR /root/${XGRAD_PKGCONFIG_INSTALL_DIR} /root)
string(REGEX REPLACE "/$" "" XGRAD_PC_PREFIX_FROM_PCDIR "${XGRAD_PC_PREFIX_FROM_PCDIR}")
# Libs.private: the libraries libxgrad links by path (OpenBLAS, MPI when built with it); the ones
# linked through imported targets have .pc files of their own, named in Requires.private.
get_target_property(xgrad_link_libraries xgrad LINK_LIBRARIES)
set(XGRAD_PC_PRIVATE_LIBS "")
foreach(library IN LISTS xgrad_link_libraries)
  if(IS_ABSOLUTE "${library}")
    string(APPEND XGRAD_PC_PRIVATE_LIBS " ${library}")
  endif()
endforeach()
string(STRIP "${XGRAD_PC_PRIVATE_LIBS}" XGRAD_PC_PRIVATE_LIBS)
configure_file(${PROJECT_SOURCE_DIR}/cmake/xgrad.pc.in ${PROJECT_BINARY_DIR}/package/xgrad.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/xgrad.pc DESTINATION ${XGRAD_PKGCONFIG_INSTALL_DIR})

include(${CMAKE_CURRENT_LIST_DIR}/XgradDocs.cmake)
