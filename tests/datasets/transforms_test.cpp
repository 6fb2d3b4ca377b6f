// Transforms: values of normalize and to_categorical, shapes and storage sharing of the reshapes,
// and the error messages for bad input.
#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <xgrad/datasets/transforms.hpp>
#include <xgrad/xgrad.hpp>

#include <string>
#include <vector>

namespace ds = xg::datasets;
namespace tt = boost::test_tools;
using xg_test::contains;

BOOST_AUTO_TEST_SUITE(transforms)

BOOST_AUTO_TEST_CASE(normalize_values_and_errors) {
  const xg::Tensor x = xg::tensor({0.0, 0.5, 1.0, 0.25});
  // (x - 0.5) / 0.25
  BOOST_TEST(ds::normalize(x, 0.5, 0.25).to_vector<double>() == (std::vector<double>{-2, 0, 2, -1}),
             tt::tolerance(1e-6) << tt::per_element());
  BOOST_TEST(ds::normalize(x, 0.5, 0.25).dtype() == xg::kFloat32);
  BOOST_CHECK_EXCEPTION(ds::normalize(x, 0.0, 0.0), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "finite std > 0"); });
  BOOST_CHECK_EXCEPTION(ds::normalize(xg::zeros({2}, {.dtype = xg::kInt64}), 0, 1), xg::DtypeError,
                        [](const xg::DtypeError& e) { return contains(e.what(), "got int64"); });
  // Differentiable: d/dx sum((x - m) / s) = 1 / s.
  xg::Tensor w = xg::ones({3}, {.requires_grad = true});
  ds::normalize(w, 0.1, 0.5).sum().backward();
  BOOST_TEST(w.grad().to_vector<double>() == (std::vector<double>{2, 2, 2}), tt::tolerance(1e-6) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(flatten_images_and_to_nchw_are_views) {
  const xg::Tensor images = xg::arange(0, 2 * 28 * 28).reshape({2, 28, 28});
  const xg::Tensor flat = ds::flatten_images(images);
  BOOST_TEST(flat.shape() == (xg::Shape{2, 784}));
  BOOST_TEST(flat.shares_storage(images));
  BOOST_TEST(flat[1][28 * 3 + 4].item() == images[1][3][4].item());
  const xg::Tensor nchw = ds::to_nchw(images);
  BOOST_TEST(nchw.shape() == (xg::Shape{2, 1, 28, 28}));
  BOOST_TEST(nchw[1][0][3][4].item() == 784.0 + 3 * 28 + 4);
  BOOST_CHECK_EXCEPTION(ds::to_nchw(nchw), xg::ShapeError, [](const xg::ShapeError& e) {
    return std::string(e.what()) == "to_nchw: expected grey images of shape [N, H, W], got [2, 1, 28, 28]";
  });
  BOOST_CHECK_THROW(ds::flatten_images(xg::zeros({5})), xg::ShapeError);
}

BOOST_AUTO_TEST_CASE(to_categorical_one_hot) {
  const xg::Tensor labels = xg::tensor({2, 0, 1, 2}, {.dtype = xg::kInt64});
  const xg::Tensor one_hot = ds::to_categorical(labels, 4);
  BOOST_TEST(one_hot.shape() == (xg::Shape{4, 4}));
  BOOST_TEST(one_hot.dtype() == xg::kFloat32);
  BOOST_TEST(one_hot.to_vector<double>() == (std::vector<double>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}),
             tt::per_element());
  BOOST_TEST(ds::to_categorical(labels).shape() == (xg::Shape{4, 3}));  // max + 1 classes
  const xg::Tensor column = labels.reshape({4, 1});                    // Keras drops a trailing 1
  BOOST_TEST(ds::to_categorical(column, 3).shape() == (xg::Shape{4, 3}));
  BOOST_TEST(ds::to_categorical(column, 3).to_vector<double>() == ds::to_categorical(labels, 3).to_vector<double>(),
             tt::per_element());
  BOOST_CHECK_EXCEPTION(ds::to_categorical(xg::tensor({1, 3, 12}, {.dtype = xg::kInt64}), 10), xg::ValueError,
                        [](const xg::ValueError& e) {
                          return std::string(e.what()) == "to_categorical: label 12 at index 2 is out of range [0, 10)";
                        });
  BOOST_CHECK_EXCEPTION(ds::to_categorical(xg::tensor({-1}, {.dtype = xg::kInt64}), 10), xg::ValueError,
                        [](const xg::ValueError& e) { return contains(e.what(), "label -1 at index 0"); });
  BOOST_CHECK_THROW(ds::to_categorical(xg::tensor({1.0}), 2), xg::DtypeError);
  BOOST_CHECK_THROW(ds::to_categorical(labels, 0), xg::ValueError);
}

BOOST_AUTO_TEST_SUITE_END()
