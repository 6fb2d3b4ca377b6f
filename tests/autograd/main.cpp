#define BOOST_TEST_MODULE xgrad_autograd
#include <boost/test/unit_test.hpp>
