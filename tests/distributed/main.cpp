// Test executable of xg::distributed. ctest runs it as two ranks (mpirun -np 2; one process when
// xgrad is built without MPI): every rank runs every test case in the same order, and a check that
// involves the ranks' agreement is decided by a collective, so all ranks pass or fail together.
#define BOOST_TEST_MODULE xgrad_distributed
#include <boost/test/unit_test.hpp>

#include <xgrad/distributed/runtime.hpp>

namespace {

// Joins the job before the first test and leaves it after the last. A short watchdog: a test
// that leaves a rank behind fails within a minute instead of running into ctest's timeout.
struct Job {
  Job() { xg::distributed::init({.timeout_seconds = 60}); }
  ~Job() { xg::distributed::finalize(); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Job);
