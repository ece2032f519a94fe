/* udfread-extract IMAGE OUTDIR: copies every directory and regular file of a
 * UDF image out with VideoLAN's libudfread (an independent reader), and
 * prints the volume id. Entries libudfread reports as neither (symbolic
 * links, special files) are listed on stderr as "skipped: PATH".
 * Exit: 0 all read; 1 the image does not open; 2 an entry could not be read.
 * Build: cc -O2 -o udfread-extract udfread-extract.c -ludfread
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <udfread/udfread.h>

static int failures;

static int copy_file(udfread *udf, const char *path, const char *dest)
{
    UDFFILE *in = udfread_file_open(udf, path);
    if (!in) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    FILE *out = fopen(dest, "wb");
    if (!out) {
        fprintf(stderr, "cannot create %s: %s\n", dest, strerror(errno));
        udfread_file_close(in);
        return -1;
    }
    int64_t size = udfread_file_size(in), done = 0;
    static char buf[1 << 20];
    while (done < size) {
        ssize_t n = udfread_file_read(in, buf, sizeof buf);
        if (n <= 0) {
            fprintf(stderr, "read error in %s at %lld of %lld\n", path, (long long)done, (long long)size);
            break;
        }
        fwrite(buf, 1, (size_t)n, out);
        done += n;
    }
    fclose(out);
    udfread_file_close(in);
    return done == size ? 0 : -1;
}

static void walk(udfread *udf, const char *path, const char *dest)
{
    UDFDIR *dir = udfread_opendir(udf, path);
    if (!dir) {
        fprintf(stderr, "cannot open directory %s\n", path);
        failures++;
        return;
    }
    struct udfread_dirent entry;
    while (udfread_readdir(dir, &entry)) {
        if (!strcmp(entry.d_name, ".") || !strcmp(entry.d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(entry.d_name) + 2;
        size_t m = strlen(dest) + strlen(entry.d_name) + 2;
        char *child = malloc(n), *target = malloc(m);
        snprintf(child, n, "%s/%s", strcmp(path, "/") ? path : "", entry.d_name);
        snprintf(target, m, "%s/%s", dest, entry.d_name);
        if (entry.d_type == UDF_DT_DIR) {
            if (mkdir(target, 0755) && errno != EEXIST) {
                fprintf(stderr, "cannot create %s\n", target);
                failures++;
            } else {
                walk(udf, child, target);
            }
        } else if (entry.d_type == UDF_DT_REG) {
            if (copy_file(udf, child, target))
                failures++;
        } else {
            fprintf(stderr, "skipped: %s\n", child);
        }
        free(child);
        free(target);
    }
    udfread_closedir(dir);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s IMAGE OUTDIR\n", argv[0]);
        return 1;
    }
    udfread *udf = udfread_init();
    if (!udf || udfread_open(udf, argv[1]) < 0) {
        fprintf(stderr, "libudfread cannot open %s\n", argv[1]);
        return 1;
    }
    printf("volume: %s\n", udfread_get_volume_id(udf));
    mkdir(argv[2], 0755);
    walk(udf, "/", argv[2]);
    udfread_close(udf);
    return failures ? 2 : 0;
}
