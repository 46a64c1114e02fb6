/* SPDX-License-Identifier: BSD-3-Clause */
/* A table image as bytes, for steerd to push to steer-dpdk over its
 * control socket. Decoding checks every count, offset and index, so a bad
 * message is refused whole and the running table stays. */
#ifndef STEER_IMAGE_WIRE_H
#define STEER_IMAGE_WIRE_H

#include <stddef.h>

#include "compile.h"

#define STEER_IMAGE_MAGIC "STEERIMG"
#define STEER_IMAGE_FORMAT 1
/* Where the header's struct steer_gateway starts: after the magic, the
 * format and six counts. */
#define STEER_IMAGE_GW_OFFSET 32

/* Returns a malloc'ed buffer of *len bytes, or NULL. */
void *steer_image_encode(const struct steer_image *img, size_t *len);
/* Returns 0 and a new image, or -EINVAL with err naming the fault. */
int steer_image_decode(const void *buf, size_t len, struct steer_image **out, char *err,
		       size_t errlen);

#endif
