/* The helpers' request fields: hex in place ("-" is the empty string), so any byte may travel in a line. */
#ifndef BERTH_HEX_H
#define BERTH_HEX_H
#include <stdio.h>
#include <string.h>

/* decodes s in place; -1 when it is no hex */
static int unhex(char *s) {
  size_t n = strlen(s);
  if (n == 1 && s[0] == '-') {
    s[0] = 0;
    return 0;
  }
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    s[i] = (char)v;
  }
  s[n / 2] = 0;
  return 0;
}

#endif
