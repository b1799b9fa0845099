/* PLACEHOLDER — being implemented (issue 2). */
#include "engine/quant.h"

const struct qt_traits *qt_get_traits(int t)
{
    (void)t;
    return 0;
}
