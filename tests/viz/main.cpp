#define BOOST_TEST_MODULE xgrad_viz
#include <boost/test/unit_test.hpp>
