#include <malloc.h>

#include "app/cli.h"

int main(int argc, char** argv) {
  // argon2id allocates 19 MiB or more per password hash. Fixing glibc's mmap threshold keeps such
  // buffers in their own mappings, returned to the system when freed; left to adapt, glibc raises the
  // threshold after the first one and keeps later ones in the heap, where they stay resident.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  return chorus::app::RunCli(argc, argv);
}
