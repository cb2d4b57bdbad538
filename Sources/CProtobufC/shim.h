/* Debian's libprotobuf-c-dev, for the C renderer library (CWebRequest). */
#include <protobuf-c/protobuf-c.h>
