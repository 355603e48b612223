#include "app/cli.h"

int main(int argc, char** argv) { return chorus::app::RunCli(argc, argv); }
