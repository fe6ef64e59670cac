// Exposes Tesseract's C API (capi.h) to Swift: the LSTM engine for per-page OCR of scans.
#include <tesseract/capi.h>
