# common/ - code shared by several programs: logging, memory, strings,
# config parsing, address normalization, the VERP token codec.
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:.c=.o)
LIBCOMMON   := common/libcommon.a
LIBS	    += $(LIBCOMMON)

$(LIBCOMMON): $(COMMON_OBJS)
	rm -f $@ && ar rcs $@ $^
