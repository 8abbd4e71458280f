// libzip (Debian libzip-dev): reads the zip container of Keras 3 `.keras` files.
#include <zip.h>
