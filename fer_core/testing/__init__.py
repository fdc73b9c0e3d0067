"""Generated inputs that the tests, the benchmarks and the demos share: drawn faces in photos and
clips of them. Nothing personal or licensed is needed, and neither side imports the other."""
