// Host stand-ins declaring the Arduino-ESP32 API that src/main.cpp uses, with the real
// signatures, so a host test can type-check main.cpp (g++ -fsyntax-only). Not a runtime.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
typedef bool boolean;
class HardwareSerial {
 public:
  void begin(unsigned long baud);
  int available();
  int read();
  size_t write(uint8_t c);
  size_t write(const uint8_t* buffer, size_t size);
};
extern HardwareSerial Serial;
unsigned long millis();
void delay(uint32_t ms);
long random(long howbig);
