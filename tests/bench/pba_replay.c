// SPDX-License-Identifier: GPL-2.0
/*
 * Replay bandwidth traces through the PBA predictor bank (helper/pba.c, the
 * code dwcpd runs) and score one-step predictions against the baselines.
 *
 *   pba-replay [-j] TRACE_DIR_OR_FILE...
 *
 * Each trace is "time_seconds throughput" per line.  Every trace starts a
 * fresh link; the prediction for sample t is made from samples 0..t-1, and
 * every method is scored on the same samples (t >= 1).
 *
 * Metrics, pooled over all scored samples:
 *   within10/within20  share of predictions with |p - a| <= 10/20 % of a
 *                      (a sample of 0 counts as a miss unless p is 0 too)
 *   wape               sum |p - a| / sum a
 *   mdape              median of |p - a| / a over samples with a > 0
 *   over20             share of predictions more than 20 % above a
 *   cons_over          share where PBA's conservative estimate exceeds a
 *   ns_per_step        observe + estimate, per sample (PBA only)
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../helper/pba.h"

enum method { M_PBA, M_LAST, M_EWMA08, M_HMEAN5, M_NMETHOD };

static const char *const method_names[M_NMETHOD] = {
	"pba", "last", "ewma0.8", "hmean5"
};

struct score {
	unsigned long n, w10, w20, over20, cons_over;
	double abs_err, actual;
	double *ape;
	unsigned long nape, cap;
};

static struct score scores[M_NMETHOD];
static double pba_ns;
static unsigned long traces;

static void add_ape(struct score *s, double ape)
{
	if (s->nape == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->ape = realloc(s->ape, s->cap * sizeof(*s->ape));
		if (!s->ape) {
			perror("realloc");
			exit(2);
		}
	}
	s->ape[s->nape++] = ape;
}

static void score_one(struct score *s, double p, double a)
{
	double err = fabs(p - a);

	s->n++;
	s->abs_err += err;
	s->actual += a;
	if (err <= 0.10 * a || (a == 0 && p == 0))
		s->w10++;
	if (err <= 0.20 * a || (a == 0 && p == 0))
		s->w20++;
	if (p > 1.20 * a)
		s->over20++;
	if (a > 0)
		add_ape(s, err / a);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int replay_file(const char *path)
{
	struct pba_link link;
	struct pba_estimate e;
	double t, x, start;
	FILE *f = fopen(path, "r");
	int have = 0;

	if (!f) {
		fprintf(stderr, "pba-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	pba_init(&link);
	while (fscanf(f, "%lf %lf", &t, &x) == 2) {
		if (have) {
			pba_estimate(&link, &e);
			score_one(&scores[M_PBA], e.predicted, x);
			if (e.conservative > x)
				scores[M_PBA].cons_over++;
			score_one(&scores[M_LAST], pba_predict_one(&link, PBA_LAST), x);
			score_one(&scores[M_EWMA08], pba_predict_one(&link, PBA_EWMA_HIGH), x);
			score_one(&scores[M_HMEAN5], pba_predict_one(&link, PBA_HMEAN5), x);
		}
		start = now_ns();
		pba_observe(&link, x);
		pba_estimate(&link, &e);
		pba_ns += now_ns() - start;
		have = 1;
	}
	fclose(f);
	traces++;
	return 0;
}

static int replay_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char buf[4096];
	int n, i, rc = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "pba-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(buf, sizeof(buf), "%s/%s", path, ents[i]->d_name);
			if (replay_file(buf))
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double mdape(struct score *s)
{
	if (!s->nape)
		return NAN;
	qsort(s->ape, s->nape, sizeof(*s->ape), cmp_double);
	return s->ape[s->nape / 2];
}

int main(int argc, char **argv)
{
	int i, json = 0, rc = 0;
	enum method m;

	if (argc > 1 && !strcmp(argv[1], "-j")) {
		json = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: pba-replay [-j] TRACE_DIR_OR_FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]))
			rc = 1;
	if (!scores[M_PBA].n) {
		fprintf(stderr, "pba-replay: no samples\n");
		return 1;
	}
	if (!json)
		printf("%lu traces, %lu predictions each\n%-8s %8s %8s %7s %7s %7s %9s\n",
		       traces, scores[M_PBA].n, "method", "within10", "within20",
		       "wape", "mdape", "over20", "cons_over");
	for (m = 0; m < M_NMETHOD; m++) {
		struct score *s = &scores[m];
		double n = s->n;

		if (json)
			printf("{\"method\":\"%s\",\"predictions\":%lu,\"within10\":%.4f,\"within20\":%.4f,\"wape\":%.4f,\"mdape\":%.4f,\"over20\":%.4f%s",
			       method_names[m], s->n, s->w10 / n, s->w20 / n,
			       s->abs_err / s->actual, mdape(s), s->over20 / n,
			       m == M_PBA ? "" : "}\n");
		else
			printf("%-8s %8.4f %8.4f %7.4f %7.4f %7.4f", method_names[m],
			       s->w10 / n, s->w20 / n, s->abs_err / s->actual,
			       mdape(s), s->over20 / n);
		if (m == M_PBA) {
			if (json)
				printf(",\"cons_over\":%.4f,\"ns_per_step\":%.0f}\n",
				       s->cons_over / n, pba_ns / n);
			else
				printf(" %9.4f  (%.0f ns per step)", s->cons_over / n,
				       pba_ns / n);
		}
		if (!json)
			printf("\n");
		free(s->ape);
	}
	return rc;
}
