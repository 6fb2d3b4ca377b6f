# Test of extract_snippets (run by ctest as doc_snippets_extractor): extracts testdata/page.md and
# checks where each block went; then checks that an unknown marker is refused with its line.
#   cmake -DEXTRACT=<extract_snippets> -DDIR=<testdata> -DOUT=<scratch dir> -P extract_snippets_test.cmake
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${EXTRACT} ${DIR}/page.md page.md ${OUT}/page.cpp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "extract_snippets failed on page.md (exit ${rc})")
endif()
file(READ ${OUT}/page.cpp generated)

# expect(DESCRIPTION REGEX): the generated file must match REGEX.
function(expect description regex)
  if(NOT generated MATCHES "${regex}")
    message(FATAL_ERROR "extract_snippets: ${description}; generated file:\n${generated}")
  endif()
endfunction()
expect("the #include is hoisted above the first block" "#include <vector>\n\n// page.md:5")
expect("the program stays at namespace scope" "namespace snippet_line_5 {\n#line 7 \"page.md\"\nint main\\(\\) {")
expect("the struct stays at namespace scope" "namespace snippet_line_14 {\n#line 15 \"page.md\"\nstruct Point")
expect("the statement goes into Body::run" "void Body::run\\(\\) {\n#line 16 \"page.md\"\nPoint p{1};\n}")
expect("the excerpt follows its using-directive" "using namespace xg;\n#line 23 \"page.md\"\nTensor zeros")
expect("each block nests in the one before it" "}  // namespace snippet_line_22\n}  // namespace snippet_line_14\n}  // namespace snippet_line_5\n$")
if(generated MATCHES "Ignored")
  message(FATAL_ERROR "extract_snippets: a ```bash block was extracted")
endif()

execute_process(COMMAND ${EXTRACT} ${DIR}/bad_marker.md bad_marker.md ${OUT}/bad.cpp
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "bad_marker.md:1: error: unknown snippet marker 'skip this one'")
  message(FATAL_ERROR "extract_snippets accepted an unknown marker (exit ${rc}): ${err}")
endif()
message(STATUS "extract_snippets: every placement as expected")
