#define BOOST_TEST_MODULE xgrad_optim
#include <boost/test/unit_test.hpp>
