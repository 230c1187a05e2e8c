#pragma once
#include "Arduino.h"
class Preferences {
 public:
  bool begin(const char* name, bool readOnly = false, const char* partition_label = NULL);
  void end();
  size_t putString(const char* key, const char* value);
  size_t getString(const char* key, char* value, size_t maxLen);
};
