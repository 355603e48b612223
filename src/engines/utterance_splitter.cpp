#include "engines/utterance_splitter.h"

#include <cmath>

namespace chorus::engines {

double FrameEnergyDb(const int16_t* frame) {
  double sum = 0;
  for (int i = 0; i < kFrameSamples; ++i) sum += static_cast<double>(frame[i]) * frame[i];
  return 10 * std::log10(sum / kFrameSamples + 1);
}

double QuietPercentileDb(const std::vector<int16_t>& samples) {
  std::vector<double> energies;
  for (size_t i = 0; i + kFrameSamples <= samples.size(); i += kFrameSamples) {
    energies.push_back(FrameEnergyDb(samples.data() + i));
  }
  if (energies.empty()) return 0;
  auto nth = energies.begin() + static_cast<std::ptrdiff_t>(energies.size() / 20);
  std::nth_element(energies.begin(), nth, energies.end());
  return *nth;
}

}  // namespace chorus::engines
