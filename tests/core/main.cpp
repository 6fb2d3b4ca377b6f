#define BOOST_TEST_MODULE xgrad_core
#include <boost/test/unit_test.hpp>
