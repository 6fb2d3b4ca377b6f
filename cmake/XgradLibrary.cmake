# libxgrad: every library source of the layered folders, one target.
# Sources are globbed per layer; a new file needs no edit here (CONFIGURE_DEPENDS re-globs).
set(XGRAD_LAYERS core autograd nn optim datasets io train viz)
set(XGRAD_SOURCES "")
foreach(layer IN LISTS XGRAD_LAYERS)
  file(GLOB_RECURSE layer_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/*.cpp)
  list(APPEND XGRAD_SOURCES ${layer_sources})
endforeach()

add_library(xgrad ${XGRAD_SOURCES})
add_library(xgrad::xgrad ALIAS xgrad)

# In-tree, <xgrad/...> resolves through a link named xgrad that points at the source root;
# installed, the headers live under include/xgrad/ with the same relative paths.
set(XGRAD_INCLUDE_LINK_DIR ${PROJECT_BINARY_DIR}/include)
file(MAKE_DIRECTORY ${XGRAD_INCLUDE_LINK_DIR})
file(CREATE_LINK ${PROJECT_SOURCE_DIR} ${XGRAD_INCLUDE_LINK_DIR}/xgrad SYMBOLIC)
target_include_directories(xgrad PUBLIC
  $<BUILD_INTERFACE:${XGRAD_INCLUDE_LINK_DIR}>
  $<INSTALL_INTERFACE:include>)
target_include_directories(xgrad PRIVATE ${XGRAD_CBLAS_INCLUDE_DIR})

target_compile_features(xgrad PUBLIC cxx_std_20)
# -fno-trapping-math lets the compiler if-convert and vectorize loops with float compares (relu,
# max pooling, masks); -fno-math-errno lets sqrt inline. Neither changes any computed value.
target_compile_options(xgrad PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
  $<$<CONFIG:Release>:-O3> -fno-trapping-math -fno-math-errno ${XGRAD_ARCH_FLAGS})
# GCC's generic tuning splits unaligned 256-bit loads and stores into two 128-bit halves, which
# halves the store rate of the Winograd transforms (they move whole vectors of tiles).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/core/kernels/winograd.cpp PROPERTIES
    COMPILE_OPTIONS "-mno-avx256-split-unaligned-load;-mno-avx256-split-unaligned-store")
endif()
# Header-only dependencies are build-only: an installed static libxgrad.a must not ask for them.
target_link_libraries(xgrad
  PRIVATE $<BUILD_INTERFACE:xtensor> $<BUILD_INTERFACE:xtensor-blas> $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>
          TBB::tbb ${BLAS_LIBRARIES} ZLIB::ZLIB PkgConfig::GVC
  PUBLIC Threads::Threads)
set_target_properties(xgrad PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

# Op-table rows register themselves from static initializers: a static archive must be linked whole.
function(xgrad_link_whole target)
  if(BUILD_SHARED_LIBS)
    target_link_libraries(${target} PRIVATE xgrad::xgrad)
  else()
    target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,xgrad::xgrad>")
  endif()
endfunction()
