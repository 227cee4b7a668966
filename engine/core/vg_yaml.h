/* vg_yaml.h - checks shared by Vigil's YAML loaders (rules, decoders). */
#ifndef VG_YAML_H
#define VG_YAML_H

#include <yaml.h>

/**
 * @brief The key node of an earlier pair of mapping map whose scalar key is
 * pair's (compared byte for byte), or NULL: pair's key is written twice.
 */
const yaml_node_t *vg_yaml_key_before(yaml_document_t *doc, const yaml_node_t *map,
                                      const yaml_node_pair_t *pair);
/**
 * @brief Call found(key, first, ctx) for every key written a second time in one
 * mapping of doc (compared byte for byte; keys that are not scalars are not
 * compared), with the first occurrence.  libyaml keeps every pair of a mapping and
 * PyYAML-based tools only the last, so which one an author meant is never sure:
 * the loaders report them as errors.
 */
void vg_yaml_dup_keys(yaml_document_t *doc,
                      void (*found)(const yaml_node_t *key, const yaml_node_t *first,
                                    void *ctx),
                      void *ctx);

struct vg_diag;
/**
 * @brief Report what libyaml could not read (yp, fed text, len bytes, as a
 * string) as an error of file at its place: "PREFIXproblem context".  A reader
 * error (invalid UTF-8, a control character) has its place as a byte offset, its
 * mark left at the start: the line and column are counted in text (they were
 * given as 1:1 wherever the byte was).
 */
void vg_yaml_error(struct vg_diag *diag, const char *file, const yaml_parser_t *yp,
                   const unsigned char *text, size_t len, const char *prefix);

#endif
