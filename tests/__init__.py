"""The test suite, a package so that test helpers such as ``tests.emulator`` can be imported."""
