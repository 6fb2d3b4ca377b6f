# xg::distributed (distributed/): data-parallel training over MPI, an optional component of libxgrad.
#
# The folder's transport-free sources (runtime, DataParallel, DistributedSampler) always join
# libxgrad, so Model::fit({.distributed = true}) compiles everywhere. The transport is
# distributed/backend_mpi.cpp when XGRAD_WITH_MPI is on — by default when CMake finds MPI (Debian:
# libopenmpi-dev, from scripts/install-deps.sh) — and distributed/backend_local.cpp otherwise: a
# world of one process. Sanitizer builds default to the local transport: Open MPI's own start-up
# allocations are not instrumented and trip LeakSanitizer.
# MPIEXEC_EXECUTABLE / MPIEXEC_NUMPROC_FLAG (from FindMPI) launch the multi-rank tests.
find_package(MPI COMPONENTS CXX QUIET)
set(xgrad_mpi_default OFF)
if(MPI_CXX_FOUND AND XGRAD_SANITIZE STREQUAL "")
  set(xgrad_mpi_default ON)
endif()
option(XGRAD_WITH_MPI "Build xg::distributed over MPI (else a world of one process)" ${xgrad_mpi_default})
if(XGRAD_WITH_MPI AND NOT MPI_CXX_FOUND)
  message(FATAL_ERROR "XGRAD_WITH_MPI is on but CMake found no MPI; install libopenmpi-dev openmpi-bin "
                      "(scripts/install-deps.sh) or configure with -DXGRAD_WITH_MPI=OFF")
endif()

include(GNUInstallDirs)
file(GLOB xgrad_distributed_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/distributed/*.cpp)
if(XGRAD_WITH_MPI)
  message(STATUS "xgrad: xg::distributed over MPI (${MPIEXEC_EXECUTABLE})")
  list(FILTER xgrad_distributed_sources EXCLUDE REGEX "/backend_local\\.cpp$")
  # Only backend_mpi.cpp sees <mpi.h>; it uses the C API, so the deprecated C++ bindings stay out.
  set_source_files_properties(${PROJECT_SOURCE_DIR}/distributed/backend_mpi.cpp PROPERTIES
    INCLUDE_DIRECTORIES "${MPI_CXX_INCLUDE_DIRS}"
    COMPILE_DEFINITIONS "OMPI_SKIP_MPICXX=1;MPICH_SKIP_MPICXX=1")
  target_link_libraries(xgrad PRIVATE ${MPI_CXX_LIBRARIES})
else()
  message(STATUS "xgrad: xg::distributed without MPI (a world of one process)")
  list(FILTER xgrad_distributed_sources EXCLUDE REGEX "/backend_mpi\\.cpp$")
endif()
target_sources(xgrad PRIVATE ${xgrad_distributed_sources})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/distributed/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xgrad/distributed
        FILES_MATCHING PATTERN "*.hpp" PATTERN "backend.hpp" EXCLUDE PATTERN "gradient_reducer.hpp" EXCLUDE)
