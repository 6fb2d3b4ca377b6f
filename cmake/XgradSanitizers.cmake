# Sanitizer and fuzzing builds, off by default (scripts/sanitize.sh and scripts/fuzz.sh set them).
#
#   XGRAD_SANITIZE  a -fsanitize= list applied to every target compiled after this file is included
#                   (library, tests, tools): "address,undefined" or "thread". Errors abort the
#                   program (-fno-sanitize-recover=all), so ctest sees every finding as a failure.
#   XGRAD_FUZZ      builds the libFuzzer targets of tests/fuzz (clang only). The library is then
#                   compiled with -fsanitize=fuzzer-no-link for coverage feedback, and XGRAD_SANITIZE
#                   defaults to "address,undefined".
#   XGRAD_BUILD_TOOLS  the command-line tools (off in sanitizer builds, which only need the tests).
option(XGRAD_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)
option(XGRAD_BUILD_TOOLS "Build the command-line tools" ON)
set(XGRAD_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined or thread (empty: none)")

if(XGRAD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "XGRAD_FUZZ needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++, "
                        "found ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER}")
  endif()
  if(XGRAD_SANITIZE STREQUAL "")
    set(XGRAD_SANITIZE "address,undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(NOT XGRAD_SANITIZE STREQUAL "")
  message(STATUS "xgrad: sanitizers ${XGRAD_SANITIZE}")
  add_compile_options(-fsanitize=${XGRAD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${XGRAD_SANITIZE})
endif()
# Debian's libtbb is not instrumented, so TSan cannot see how TBB hands chunks to its workers:
# core/parallel.cpp (the one file that includes TBB) is compiled without TSan and tells it about
# each loop's fork and join instead (see the comment there).
if(XGRAD_SANITIZE MATCHES "thread")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/core/parallel.cpp PROPERTIES
    COMPILE_OPTIONS "-fno-sanitize=thread" COMPILE_DEFINITIONS XGRAD_TSAN_FORK_JOIN)
endif()
