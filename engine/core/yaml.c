/* yaml.c - checks shared by Vigil's YAML loaders (vg_yaml.h). */
#include "vg_yaml.h"

#include "vg_core.h"

#include <string.h>

const yaml_node_t *vg_yaml_key_before(yaml_document_t *doc, const yaml_node_t *map,
                                      const yaml_node_pair_t *pair)
{
	const yaml_node_t *k = yaml_document_get_node(doc, pair->key);
	if (!k || k->type != YAML_SCALAR_NODE || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
		const yaml_node_t *f = yaml_document_get_node(doc, q->key);
		if (f && f->type == YAML_SCALAR_NODE &&
		    f->data.scalar.length == k->data.scalar.length &&
		    !memcmp(f->data.scalar.value, k->data.scalar.value,
		            k->data.scalar.length))
			return f;
	}
	return NULL;
}

void vg_yaml_dup_keys(yaml_document_t *doc,
                      void (*found)(const yaml_node_t *key, const yaml_node_t *first,
                                    void *ctx),
                      void *ctx)
{
	for (yaml_node_t *m = doc->nodes.start; m < doc->nodes.top; m++) {
		if (m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			const yaml_node_t *f = vg_yaml_key_before(doc, m, p);
			if (f)
				found(yaml_document_get_node(doc, p->key), f, ctx);
		}
	}
}

void vg_yaml_error(struct vg_diag *diag, const char *file, const yaml_parser_t *yp,
                   const unsigned char *text, size_t len, const char *prefix)
{
	int line = (int)yp->problem_mark.line + 1, col = (int)yp->problem_mark.column + 1;
	if (yp->error == YAML_READER_ERROR && text) {
		size_t off = yp->problem_offset < len ? yp->problem_offset : len, bol = 0;
		line = 1;
		for (size_t i = 0; i < off; i++)
			if (text[i] == '\n') {
				line++;
				bol = i + 1;
			}
		col = (int)(off - bol) + 1;
	}
	vg_diag_error(diag, file, line, col, "%s%s%s%s", prefix ? prefix : "",
	              yp->problem ? yp->problem : "invalid YAML", yp->context ? " " : "",
	              yp->context ? yp->context : "");
}
