/* SPDX-License-Identifier: BSD-3-Clause */
/* The JITed line table of a loaded BPF program: one line per source line
 * the kernel kept, "ADDRESS<TAB>FILE:LINE<TAB>SOURCE", ADDRESS the
 * kernel address where that line's machine code starts. With perf's
 * sample addresses it gives a per-source-line profile of an XDP program
 * (tests/bench/profile_xdp.sh), which perf itself cannot annotate
 * without libbfd. Usage: xdp_lines PROG_ID (as root). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

int
main(int argc, char **argv)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), n, i, rec;
	struct bpf_line_info *li;
	struct btf *btf;
	__u64 *jli;
	char *end;
	long id;
	int fd;

	if (argc != 2 || (id = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "Usage: xdp_lines PROG_ID\n"
				"Prints ADDRESS<TAB>FILE:LINE<TAB>SOURCE for each line of the\n"
				"program's JITed code (bpftool prog show lists the ids).\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)id);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("xdp_lines: program");
		return 1;
	}
	n = info.nr_line_info < info.nr_jited_line_info ? info.nr_line_info :
							  info.nr_jited_line_info;
	rec = info.line_info_rec_size;
	if (!n || !info.btf_id || rec < sizeof(*li)) {
		fprintf(stderr, "xdp_lines: program %ld has no line info (not JITed, or no BTF)\n",
			id);
		return 1;
	}
	li = calloc(n, rec);
	jli = calloc(n, sizeof(*jli));
	if (!li || !jli)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = n;
	info.line_info_rec_size = rec;
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = n;
	info.jited_line_info_rec_size = sizeof(*jli);
	info.jited_line_info = (__u64)(unsigned long)jli;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("xdp_lines: line info");
		return 1;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		perror("xdp_lines: BTF");
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct bpf_line_info *l = (const void *)((const char *)li + (size_t)i * rec);
		const char *src = btf__name_by_offset(btf, l->line_off);

		while (src && (*src == '\t' || *src == ' '))
			src++;
		printf("%llx\t%s:%u\t%s\n", (unsigned long long)jli[i],
		       base_name(btf__name_by_offset(btf, l->file_name_off)),
		       BPF_LINE_INFO_LINE_NUM(l->line_col), src ? src : "");
	}
	btf__free(btf);
	return 0;
}
