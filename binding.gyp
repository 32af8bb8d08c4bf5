{
  "targets": [
    {
      "target_name": "umbra_native",
      "sources": ["native/addon/umbra_native.c", "native/include/umbra_ipc.h"],
      "include_dirs": ["native/include"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"]
    }
  ]
}
