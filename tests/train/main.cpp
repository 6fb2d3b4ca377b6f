// Test executable of the train layer: Model (compile / fit / evaluate / predict), xg::Sequential,
// callbacks, History, progress display and summary.
#define BOOST_TEST_MODULE xgrad_train
#include <boost/test/unit_test.hpp>
