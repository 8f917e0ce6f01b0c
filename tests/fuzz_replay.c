/*
 * fuzz_replay.c - runs a fuzz target's LLVMFuzzerTestOneInput once on
 * each file named, without libFuzzer: `make check` builds one per target
 * with the test build's ASan and UBSan and replays the committed corpus
 * (tests/fuzz/TARGET/) through it, so every input the fuzzer once found
 * interesting keeps being checked.  Prints one TAP line per file; a
 * broken promise or sanitizer report aborts the program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long n;

		if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) < 0 || (buf = malloc((size_t)n + 1)) == NULL ||
		    fread(buf, 1, (size_t)n, f) != (size_t)n) {
			printf("not ok %d - %s cannot be read\n", i, argv[i]);
			bad = 1;
		} else {
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			printf("ok %d - %s\n", i, argv[i]);
		}
		free(buf);
		if (f != NULL)
			fclose(f);
	}
	printf("1..%d\n", argc - 1);
	return bad;
}
