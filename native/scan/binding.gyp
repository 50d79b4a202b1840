{
  "targets": [
    {
      "target_name": "tw_scan",
      "sources": ["scan.c"],
      "cflags": ["-O2", "-std=c99", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-std=c99"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
