#define BOOST_TEST_MODULE xgrad_nn
#include <boost/test/unit_test.hpp>
