/* Core-to-core round trip: two threads pinned to CPUs 0 and 1 bounce one cache line.
 *
 * The reference measurement behind benchmarks/cores.py: on the project's 2-core
 * VMs it prints ~60-90 ns per round trip while the host runs the two vCPUs near
 * each other and ~330-400 ns while it runs them far apart.
 *
 *   gcc -O2 -pthread benchmarks/tools/core_pingpong.c -o /tmp/core_pingpong
 *   /tmp/core_pingpong 20      # 20 readings, 0.5 s apart, in ns per round trip
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { TRIPS = 200000 };
static _Atomic int flag __attribute__((aligned(64)));

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *responder(void *unused) {
    (void)unused;
    pin(1);
    for (int i = 0; i < TRIPS; i++) {
        while (atomic_load_explicit(&flag, memory_order_acquire) != 1) {}
        atomic_store_explicit(&flag, 0, memory_order_release);
    }
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int readings = argc > 1 ? atoi(argv[1]) : 1;
    pin(0);
    for (int r = 0; r < readings; r++) {
        pthread_t thread;
        flag = 0;
        pthread_create(&thread, NULL, responder, NULL);
        double start = now();
        for (int i = 0; i < TRIPS; i++) {
            atomic_store_explicit(&flag, 1, memory_order_release);
            while (atomic_load_explicit(&flag, memory_order_acquire) != 0) {}
        }
        double elapsed = now() - start;
        pthread_join(thread, NULL);
        printf("%.0f ", elapsed / TRIPS * 1e9);
        fflush(stdout);
        if (r + 1 < readings) {
            struct timespec pause = {0, 500000000};
            nanosleep(&pause, NULL);
        }
    }
    printf("\n");
    return 0;
}
