// Runs gradcheck (and gradgradcheck where claimed) over every row of the op table.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>
#include <xgrad/autograd/op_table.hpp>

namespace ag = xg::autograd;
namespace bdata = boost::unit_test::data;

namespace {
std::vector<std::string> row_names() {
  std::vector<std::string> names;
  for (const auto& row : ag::op_table()) names.push_back(row.name);
  return names;
}
const ag::OpCase& row_named(const std::string& name) {
  for (const auto& row : ag::op_table())
    if (row.name == name) return row;
  throw std::runtime_error("no op table row " + name);
}
constexpr std::uint64_t kSeeds[] = {1, 2};
}  // namespace

BOOST_AUTO_TEST_SUITE(op_table)

BOOST_DATA_TEST_CASE(gradcheck_every_op, bdata::make(row_names()), name) {
  const ag::OpCase& row = row_named(name);
  for (std::uint64_t seed : kSeeds) {
    const auto inputs = ag::make_inputs(row, seed);
    const auto result = ag::gradcheck(row.fn, inputs, {.atol = row.atol, .rtol = row.rtol});
    BOOST_TEST(result.ok, name << " (seed " << seed << "): " << result.message);
    if (row.gradgrad) {
      const auto second = ag::gradgradcheck(row.fn, inputs, {.atol = row.atol * 10, .rtol = row.rtol * 10});
      BOOST_TEST(second.ok, name << " second derivative (seed " << seed << "): " << second.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(table_covers_enough_ops) {
  const auto names = ag::op_names();
  BOOST_TEST_MESSAGE("op table: " << ag::op_table().size() << " rows, " << names.size() << " ops");
  BOOST_TEST(names.size() >= 35u);
}

BOOST_AUTO_TEST_SUITE_END()
