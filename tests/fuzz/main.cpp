#define BOOST_TEST_MODULE xgrad_fuzz_replay
#include <boost/test/unit_test.hpp>
