#include <xgrad/train/sequential.hpp>

namespace xg {

std::vector<const nn::Module*> Sequential::summary_rows() const {
  std::vector<const nn::Module*> rows;
  for (const auto& layer : layers()) rows.push_back(layer.get());
  return rows;
}

}  // namespace xg
