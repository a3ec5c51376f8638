#ifndef HAVEN_CCURL_SHIM_H
#define HAVEN_CCURL_SHIM_H
#include <curl/curl.h>
#endif
