#define BOOST_TEST_MODULE xgrad_io
#include <boost/test/unit_test.hpp>
