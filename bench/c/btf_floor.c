// C floor for bench/btf.ts: read vmlinux BTF, index every type record, hash the names, then find
// named structs and walk field paths (through pointers and anonymous members). The same work our
// TypeScript does, done the way a careful C program would. Usage: btf_floor FILE REPS NAME... -- PATH...
// Prints `open+index+resolve min=X median=Y` (ms) and each path's final offset for cross-checking.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct hdr { uint16_t magic; uint8_t version, flags; uint32_t hdr_len, type_off, type_len, str_off, str_len; };
struct t { uint32_t name_off, info, size_type; };
struct m { uint32_t name_off, type, offset; };

static uint8_t *buf; static const char *strs; static uint32_t *off; static uint32_t n;
static uint32_t *table; static uint32_t mask;

static const struct t *T(uint32_t id) { return (const struct t *)(buf + off[id]); }
static int kind(uint32_t id) { return (T(id)->info >> 24) & 0x1f; }
static int vlen(uint32_t id) { return T(id)->info & 0xffff; }
static uint32_t fnv(const char *s) { uint32_t h = 0x811c9dc5; for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x01000193; return h; }
static size_t extra(int k, int v) {
	switch (k) { case 1: case 14: case 17: return 4; case 3: return 12; case 4: case 5: case 15: case 19: return v * 12;
	case 6: case 13: return v * 8; default: return 0; }
}

static void open_btf(const char *path) {
	int fd = open(path, O_RDONLY); struct stat st; fstat(fd, &st);
	size_t cap = st.st_size ? st.st_size : 8 << 20, len = 0; buf = malloc(cap); ssize_t r;
	while ((r = read(fd, buf + len, cap - len)) > 0) { len += r; if (len == cap) buf = realloc(buf, cap *= 2); }
	close(fd);
	const struct hdr *h = (const struct hdr *)buf;
	uint8_t *types = buf + h->hdr_len + h->type_off, *end = types + h->type_len;
	strs = (const char *)buf + h->hdr_len + h->str_off;
	off = malloc(sizeof(uint32_t) * (h->type_len / 12 + 2)); n = 1;
	for (uint8_t *p = types; p < end; n++) { const struct t *t = (const struct t *)p; off[n] = p - buf;
		p += 12 + extra((t->info >> 24) & 0x1f, t->info & 0xffff); }
	uint32_t cap2 = 16; while (cap2 < 2 * n) cap2 *= 2; mask = cap2 - 1; table = calloc(cap2, 4);
	for (uint32_t id = 1; id < n; id++) { uint32_t no = T(id)->name_off; if (!no) continue;
		uint32_t s = fnv(strs + no) & mask; while (table[s]) s = (s + 1) & mask; table[s] = id; }
}
static void close_btf(void) { free(buf); free(off); free(table); }

static uint32_t find(const char *name, int k) {
	for (uint32_t s = fnv(name) & mask; table[s]; s = (s + 1) & mask) { uint32_t id = table[s];
		if (kind(id) == k && !strcmp(strs + T(id)->name_off, name)) return id; }
	return 0;
}
static uint32_t resolve(uint32_t id) { while (id) { int k = kind(id); if (k == 8 || k == 9 || k == 10 || k == 11 || k == 18) id = T(id)->size_type; else break; } return id; }

static int member(uint32_t sid, const char *name, uint32_t *type, uint32_t *bits) {
	const struct m *m = (const struct m *)(T(sid) + 1); int kf = T(sid)->info >> 31;
	for (int i = 0; i < vlen(sid); i++) if (m[i].name_off && !strcmp(strs + m[i].name_off, name)) {
		*type = m[i].type; *bits = kf ? m[i].offset & 0xffffff : m[i].offset; return 1; }
	for (int i = 0; i < vlen(sid); i++) { if (m[i].name_off) continue; uint32_t in = resolve(m[i].type); int k = kind(in);
		if ((k == 4 || k == 5) && member(in, name, type, bits)) { *bits += kf ? m[i].offset & 0xffffff : m[i].offset; return 1; } }
	return 0;
}

static long path_offset(const char *path) {
	char tmp[256]; strncpy(tmp, path, 255); tmp[255] = 0; char *save, *tok = strtok_r(tmp, ".", &save);
	uint32_t id = find(tok, 4), bits = 0; if (!id) return -1;
	while ((tok = strtok_r(NULL, ".", &save))) { uint32_t t = resolve(id);
		if (kind(t) == 2) { bits = 0; t = resolve(T(t)->size_type); }
		uint32_t mt, mb; if (!member(t, tok, &mt, &mb)) return -1; bits += mb; id = mt; }
	return bits / 8;
}

static double ms(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
	int reps = atoi(argv[2]), sep = 3; while (sep < argc && strcmp(argv[sep], "--")) sep++;
	double *t = malloc(sizeof(double) * reps); long sink = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = ms(); open_btf(argv[1]);
		for (int i = 3; i < sep; i++) sink += find(argv[i], 4);
		for (int i = sep + 1; i < argc; i++) sink += path_offset(argv[i]);
		t[r] = ms() - t0;
		if (r < reps - 1) close_btf();
	}
	qsort(t, reps, sizeof(double), cmp);
	printf("open+index+resolve min=%.3f median=%.3f sink=%ld\n", t[0], t[reps / 2], sink);
	for (int i = sep + 1; i < argc; i++) printf("path %s %ld\n", argv[i], path_offset(argv[i]));
	return 0;
}
