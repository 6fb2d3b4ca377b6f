#define BOOST_TEST_MODULE xgrad_datasets
#include <boost/test/unit_test.hpp>
