"""Built-in benchmark suites: ``spider``, ``bird`` and the embedded ``sample`` suite."""
