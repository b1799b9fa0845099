/* Unit test for src/engine/quant: the reference quantizers reproduce ggml's
 * quantize_row_*_ref byte for byte on a fixed input, for every quantized
 * format (the stories260K files only cover Q8_0 and Q4_0; this covers the
 * K-quants and the other legacy formats).
 *
 * The expected bytes below are ggml's output, produced once by compiling
 * ggml-org/ggml at commit d99724f2 (21 Aug 2026; its quantize_row_*_ref
 * match llama.cpp's ggml of that month) and calling ggml_get_type_traits(t)->from_float_ref (and
 * quantize_row_q8_K_ref) on golden_input(). ggml is not part of cola; only
 * its output is kept here, as ../golden keeps llama.cpp's.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/quant.h"
#include "test_quant_bounds.h"

/* Deterministic 512-element input built from integer arithmetic and exact
 * float operations only (ldexpf by a power of two is exact), so every machine
 * computes the same floats. Block 0: a sum of four
 * uniforms (roughly gaussian, sd ~1). Block 1: one group of 16 per flavour:
 * zeros, a constant, all positive, all negative, one big outlier, tiny
 * values, a ramp, alternating signs, then the rough gaussian at scales
 * 2^-4 .. 2^3 (so the K-quant sub-scales span a wide range). */
static uint32_t gq_state;

static uint32_t gq_next(void)
{
    gq_state ^= gq_state << 13;
    gq_state ^= gq_state >> 17;
    gq_state ^= gq_state << 5;
    return gq_state;
}

/* about N(0, 1): (sum of four 24-bit uniforms - 2^25) * 2^-23 * 1.7 */
static float gq_gauss(void)
{
    int32_t s = 0;
    for (int k = 0; k < 4; k++)
        s += (int32_t)(gq_next() >> 8);
    return (float)(s - (1 << 25)) * 0x1p-23f * 1.7f;
}

static void golden_input(float x[512])
{
    gq_state = 2463534242u;
    for (int i = 0; i < 256; i++)
        x[i] = gq_gauss();
    for (int g = 0; g < 16; g++) {
        for (int l = 0; l < 16; l++) {
            float v;
            switch (g) {
            case 0: v = 0.0f; break;
            case 1: v = 0.37f; break;
            case 2: v = 0.25f + (float)(gq_next() >> 8) * 0x1p-24f; break;
            case 3: v = -0.25f - (float)(gq_next() >> 8) * 0x1p-24f; break;
            case 4: v = l == 7 ? -40.0f : gq_gauss(); break;
            case 5: v = gq_gauss() * 0x1p-10f; break;
            case 6: v = (float)(l - 8) * 0.125f; break;
            case 7: v = (l & 1) ? 1.0f : -1.0f; break;
            default: v = gq_gauss() * ldexpf(1.0f, g - 12); break;
            }
            x[256 + 16 * g + l] = v;
        }
    }
}

static const struct {
    int type;
    size_t size;
    const char *hex;
} golden[] = {
    {QT_TYPE_Q4_0, 288,
     "81376674975cbbc89937c3fb25d5c365c7e05b38e677f5b8354dba98a76b20b9ba7387a659398977958c17a36c767ac70786cc86469a6db8c8a6c687359bd8b6"
     "62293fe579be08c86a38a7995129b1b7583f7b62b0367fa5785f9738078be65878b769c8dd7b8bf69cea5aa285b877b52934ac49688d6a08c8e9348a7ad81038"
     "bfa73ca3d86da4dd78b3705bc7881c99eca908080808080808080808080808080808d4306a1e2c4d4b5e6c2b6a1e5b1f0a6d2b3d004589888888898888808988"
     "888887898888003000f102f304f506f708f90afb0cfd0eff3caa36991779a3499e384bba9798c8c6de095e344838ac8874a707a515b8e9679a765996343c09f6"
     "b76968a66675794849b65727995995c2b7da265bba3b8d879adbb99478493604"},
    {QT_TYPE_Q4_1, 320,
     "c13781c36673965cbbb88937c2fb24d5c364b7d07f385bc4d677f4b8354cba98a76a20b9a9638696683859c59c99b6ae18c48e989ce808a7fe9857bc833808c4"
     "38594a79ca6427599dd6c01a8641f737b4386ac497885129a1a6573e7b62a0366ea5675f783897c4078ce65979b769c9dd7b8bf69dea5ab22d38a0c27739d5cb"
     "42a5967184f72706cb7474162c3810c4bfa63c93c86ca4dd67a3705ac7881b8951260000f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0fa30d4bc6a1e2b4d4b5d5c2a"
     "591d5b1f0a6d1b3c0e4200d1dedddedddeddddd0dfdddddddcdeddde443000bc00f102f304f506f707f809fa0bfc0dfe052a0cb5c966e7865cb560c6b4455856"
     "363921f60d345ec04839bd9985b808b525c9f968ab7659a6393c34c808f6b76968a66675794849b657279959b3411bcc3703d8a324c260574403244a76a5c8fa"},
    {QT_TYPE_Q5_0, 352,
     "8133780274dbdcf73da96681125e85f749aa96c97eb05b34e81acdd9bceef9706a9974214ed5406253d60d3c593549912cbaf3fe29182e47d8ecf38e0e1b970d"
     "8b346db460f6efa88f5c7b1d6b16a05cc4416fdaf26d01816a348ad133243f21a353635ebf6de7d5606cde4bd0af9734da77a6bd0d07cb91e16dc281a9d505dc"
     "29c3935485b4f4e9128cfe7b43674792c0fac40f8fc167f4e4a11034b5e8dbb26f5d5836a0c958abdf57e0a59e011712eca5ffff000000000000000000000000"
     "000000000000d42cffff0000c41d589b87acb955b32bb61f04cb365a00417febffff010000000100000002000f000f010001002c00ffaaaa00f204f608fa0cfe"
     "00f204f608fa0cfe3ca6eadb527e6c221fe136831d6185533e31808cab025e300f56ac9680605910f84e0f5a3a60c1cf24eca12c343819c5264801ec6dc3c14d"
     "cddae19f726cbe4f139295be7a27d30f6da54d9573560a1e24956328ef825c09"},
    {QT_TYPE_Q5_1, 384,
     "813381c3780274dbdcf73da96681125e85f749aa96c97eb05a345bc4e81acdd9bceef9706a9974214ed5406263d60d3c443459c5dbb7efbb38227b5e31980e20"
     "38e1025efd40ae795d3408c49f09105770a374e294d95f923bbd90250d92fe7e8d346ac48a9133243e11a352534dbf6ce6c5506cdd4bdfaf533497c4da77a6bd"
     "0e18eca2f27ed3a2cbe716fd3ae4a4640b34a0c20a106c13ff63aa87955b2de219fe5e0c87e9f82c093410c4b5e8dbb27f5d5836a0c958bbdf57e0a59e011812"
     "1c2200000000fffff0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0d12cd4bcffff0000c41d589b87acb955b42bb61f04cb365adc3d00d17fffffffbdbbbcbbbebcbbb0"
     "bfbababbb9bdbcbc212c00bc00ffaaaa00f204f608fa0cfe00f103f507f90bfdd3250cb51124ad8182ccef0ca97bc09d688bb0bd6d5242fcd72f5ec06f5ebc96"
     "91727c321960007b3b82f3d146fdb34d163834c819c7264802fd7dc3c15dddeae290837dbf4f23a2843d1bcc04c82ce05f06b0454895c1bf98164895ed5991f4"},
    {QT_TYPE_Q8_0, 544,
     "9027ddb9e8452f0512edaa37c9d0b0caee81e5f518ce323d0aac41779e5045e439596428e4ecca01ce482204f228810f19aeebe25bf37737b0c5361123e8a232"
     "2cea0319642918f3ca3defb73de419edf0d83ae6db1ffbf51006941ee6f0f83d810445fdbe167528082128162ad1001d5ff58c2ff39bfbfac3dac7f84ef5b3d5"
     "1d614c9b0cd07fc47328f50a981596ecfb6836a981e372d8fe7f180fcfa72d28d8b4f4e530b4ec22e9d4a028eb36d90506eb0e074a2a29df47191a9e81fd5fcc"
     "ee30e3414fec02691060c9248e280d2ae847c8effcb4e10706f544e2defb0aca5c4ce33920071d7fc3a34f060db1182876ea42affd48bd55fab7812bef063b0d"
     "3327aa194ce12852e92af3cd45018b0af719000000000000000000000000000000007f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7fde2022673c56355d452a1c5a2d76"
     "2054314ce28aa8c5becddba8d893d58b81df99aa0a3509fd03fe0a02018111fcfcfff80801050000000000000000000000000000000008208191a1b1c0d0e0f0"
     "00102030404f5f6f817f817f817f817f817f817f817f817f491a1cf20bf550eb99fad5e80dfafc22a6f24cf07411e543f44f3dd5ebeac2c0b47f6724fd014603"
     "c4f0f6cdd0fe0bf81fe00bddbeb32707f7218126972d5ee010edd0133d2c08e3e91506e7e5ce09fc12e2f3f5150e817030e0e023e2eaf1c7bc30d79f0ccca232"
     "14da19d5e7d2b512e3d7e93e07ef2238d3b16136cc5600fbeeb7ceec103f567f"},
    {QT_TYPE_Q8_1, 576,
     "9027bbc1ddb9e8452f0512edaa37c9d0b0caee81e5f518ce323d0aac41779e5045e439596428aabce4ecca01ce482204f228810f19aeebe25bf37737b0c53611"
     "23e8a2322cea03196429bdc818f3ca3defb73de419edf0d83ae6db1ffbf51006941ee6f0f83d810445fdbe167528bdc0082128162ad1001d5ff58c2ff39bfbfa"
     "c3dac7f84ef5b3d51d614c9b0cd07fc473281acaf50a981596ecfb6836a981e372d8fe7f180fcfa72d28d8b4f4e530b4ec22e9d4a028104beb36d90506eb0e07"
     "4a2a29df47191a9e81fd5fccee30e3414fec02691060c9248e28a9440d2ae847c8effcb4e10706f544e2defb0aca5c4ce33920071d7fc3a34f060db11828c245"
     "76ea42affd48bd55fab7812bef063b0d3327aa194ce12852e92af3cd45018b0af719ec45000000000000000000000000000000007f7f7f7f7f7f7f7f7f7f7f7f"
     "7f7f7f7fde200ebd22673c56355d452a1c5a2d762054314ce28aa8c5becddba8d893d58b81df99aa0a3553cf09fd03fe0a02018111fcfcfff808010500000000"
     "000000000000000000000000082000bc8191a1b1c0d0e0f000102030404f5f6f817f817f817f817f817f817f817f817f491ae42d1cf20bf550eb99fad5e80dfa"
     "fc22a6f24cf07411e543f44f3dd5ebeac2c0b47f6724acc5fd014603c4f0f6cdd0fe0bf81fe00bddbeb32707f7218126972d5ee010edd0133d2c2bcf08e3e915"
     "06e7e5ce09fc12e2f3f5150e817030e0e023e2eaf1c7bc30d79f0ccca232764b14da19d5e7d2b512e3d7e93e07ef2238d3b16136cc5600fbeeb7ceec103f567f"},
    {QT_TYPE_Q2_K, 168,
     "ba7ccb8c9affad6dae88abce897ecd9aaa9986bb974e7e9ae95f11997d155a682d252d68826229286ab7802a7a25d62ae57ed47a98d569cb9e6c2895bf99d9a3"
     "d38a2da4d76b95dc5eb58b4ce99f1589e031b43500000000ff0001010000011112366a5e34383438343838043438343c747874780f53177b2b6b2f772f531f53"
     "336f0767a241966163510082615162c29652a0e10a35ef9d1dae555e561c1d695c8ca8df723b5541"},
    {QT_TYPE_Q3_K, 220,
     "dc78887fa9837fbabe6b608afea0b8dcddff2c8dd23e89ed2486f36cacff42ec1f7e5b727a883573d13632a235762f2c8540830a9e1ab84fce648fc92e45229d"
     "dce8b9b111bf84833d8a497f3f37a40381615e68dee67ec9fb4f22bd930d0b261bd4c857fda038ba00c3000f8ea9f4249474742424b86c6c5cbc9c3cccec80d8"
     "602cb46890acc4b8b0d8b41850284c44888488c4c80c1c044c408c848cc84ce074e858f87ce44ce47ce060fc54f451a36090cfa7244cde83dce038f99ddb4af9"
     "54b3b156343646a5ad5d329e4e24000011efd0903f5f626a66d5ffb4"},
    {QT_TYPE_Q4_K, 288,
     "ee203a2df2fbf9ffeff6bff15c8985466674578c5bc8a98773ab059593357760d677f9b53b4cb993ac6f22bdac668b9d7b88958e98447e87cb6808966e17676c"
     "39493b6ab16c274889ceb01a7f49e43b77c861999176979edbb2b066dea5a72f0988f5527aba65d3e7768af396fa56b5f779c53b82d546d1844707b67b94c496"
     "b7b33dacd46ab9d778bf7250cc871791382a133901037fc300023f421135d689b0f0d0e0c0f0d0b0b0f0c0f0b0e0c0e078183858485868386828681808782838"
     "2e3d4d4d5e6d7d809fadadbdccdeedfe2dfd2dfd2dfd2dfd2dfd2dfd2dfd2dfd8f8cde8c4f7c774d4a8c9e7dad6f975c3f2cbf8e7baf0cbf0fbaec6c9979489f"
     "7836762948260675382749a6674789a9200fdba626ca56564704244b75a2c8f4"},
    {QT_TYPE_Q5_K, 352,
     "b31c7a2df3fcfafbecf3bfaf4f6a77f88c7c887f2d8327be3c27248a76a4a09496b467c69975c7a66fcd3827efb40ba7ccd79d09a691420ee557092a3669dec0"
     "bdeff37a6698712648df446a59dd073b08324c2e4299fe30b8d1025edd20eee973a377e593d9509233be90250f94fa78ee91c32223ed3f2cb67570dcbd5b5f4f"
     "0211eaa5f584dba6cefc25f64de3ad6aefd38a67f59b7da3f97e0e5ce709781d6f565a3899c552aed15fe590880e1f120426133901037fc300023f420135d6ac"
     "662626664606060a4e2e6e8e2e0eeece054de5ad05ed052d052d254d258dc5bd70f0a0e090e0b08060e080f060d090c0e02060a090b0d060d030c02010e04060"
     "4d6a7c9bbddbeb002f4a6a7b99bddbec4bfb4bfb4bfb4bfb4bfb4bfb4bfb4bfb0400a1107be0f090900022f050c420b07a506f12f059006a1870e0c020d09031"
     "f16cfd53815d1cea716f825cde9f1342500ea64c4c84ccbd9e194796eb5481e9"},
    {QT_TYPE_Q6_K, 420,
     "a7ae9aa19c11a44bba8e92f49c520bd0f7d34a1d53809dc6eff10a1b1ef7f159299bb260c3320981acda00d4c64bfbe8f893e122d53f32ac9786d993d5c61ff9"
     "5d1266d5969bef1a3d3b21b9cc4620efe9d59fd0702e82e59c06f175c9fcd841d9b203c1f229f552f8ee1da5c728f930e0af98734b8ca960a4bbd02a24081239"
     "a59485bb964eba99e45a118978115564929aa1a60da9d59754280fe4749a05a4e57ed43a48d519cb5e2828957f999a9392a60c84e75a95dc5d856b7cc99e15b9"
     "a7569964b480a06c94b5ac92be6c9da45f9520f010003010001040f0f000e020001000e0800090b0b0101000400030b040a0083872bcf34a80c6094b85c4185c"
     "94de09f40bf200f407fb07f606f402f808fc59fc23cd481a012e53e9b4ee8faac58c09c5c08b889c94a8ce2df6c7637437308100a2ef6ad7147645f17ba3339e"
     "eb7fb03d8a32deb80119572bc758c41bb4152410242024606444a49094a0d4e0e4e004c010f424d414f024d014d030d400d0aa4992256f19188d6d1966c9955a"
     "a4e984f228599628929890da8ea65b472718000104fc8000fdfdff0104f9f5e6ce5429a1"},
    {QT_TYPE_Q8_K, 584,
     "9d7f2c3de8ceef3021040cf2c427d9dec8daf3a7edf811dd232b07c52e53bb3830ec283fe9f0d401d73a1c03f421990c14bdefe74af6612dbfd02c0e1decb328"
     "23ee021418f3ca3defb73de419edf0d83ae6db1ffbf51006941ee6f0f83d810445fdbe16061b211222d900184ff7a027f5adfcfbcee1d1fa40f7c1dd18503fad"
     "0ad869cff708aa11a8f0fc562db897e85edffe69140dd8b62521dfc1f6ea27c1f01ceddcee2edf0405ee0c06402423e43d1516ac93fe51d3f129e73744ee015a"
     "0e52d11f0b23ec3cd0f1fdc0e60605f739e6e3fc08d34e40e8301b06186bccb143050bbd59ef32c3fe37cd40fcc9a020f3052d0a271ebf1339e81e3eef20f6d9"
     "3401a708d6fee4003fffa200c1ff5eff0d00bdffacff32ff8300ca00baffb200330056008542a13e000000000000000000000000000000000101010101010101"
     "010101010101010101030203020302010103010401030102fffcfdfefefefffdfffdfffcfcfffdfd09fd03fe0a02018111fcfcfff80801050000000000000000"
     "0000000000000000fdfdfefefeffff000000010102020203fd03fd03fd03fd03fd03fd03fd03fd03000000000100ff00000000000000ff000100010000010001"
     "01000000ffffff0100000400fdfffffdfd00010002fe01fefcfc0200ff02f902fa0205fe01fffd0102fafb0401fbfaf502ff04fafdfe0403e5180af9f907fafb"
     "fdf4f20af7ec02f50de710e4efe2ce0cede5f12905f51625e3cc4024de3800fdf4d0dff30a2a3954000010002100daffa3ff0000fdff0000ffff0300f9fff3ff"
     "e7ffbcffb4ff7d00"},
};

static int hex_nibble(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void test_golden_bytes(void **state)
{
    (void)state;
    float x[512], y[512];
    uint8_t want[1024], got[1024];
    golden_input(x);
    int failures = 0;
    for (size_t k = 0; k < sizeof golden / sizeof golden[0]; k++) {
        const int failures_before = failures;
        const struct qt_traits *tr = qt_get_traits(golden[k].type);
        size_t sz;
        assert_int_equal(qt_row_size(golden[k].type, 512, &sz), 0);
        assert_int_equal(sz, golden[k].size);
        assert_int_equal(strlen(golden[k].hex), 2 * sz);
        for (size_t i = 0; i < sz; i++)
            want[i] = (uint8_t)(hex_nibble(golden[k].hex[2 * i]) << 4 | hex_nibble(golden[k].hex[2 * i + 1]));
        memset(got, 0xcc, sizeof got);
        tr->from_float(x, got, 512);
        for (size_t i = 0; i < sz; i++) {
            if (got[i] != want[i]) {
                fprintf(stderr, "%s: byte %zu (block %zu, offset %zu) is 0x%02x, ggml wrote 0x%02x\n",
                        tr->name, i, i / tr->type_size, i % tr->type_size, got[i], want[i]);
                failures++;
                break;
            }
        }
        /* ggml's own bytes meet the error bounds cola asserts for its own */
        tr->to_float(want, y, 512);
        struct qb_result r;
        if (!qb_check(golden[k].type, x, y, 512, &r)) {
            fprintf(stderr, "%s: ggml's bytes break the bounds: rmse %.4g > %.4g or block %ld at %.3f\n",
                    tr->name, r.rmse, r.rmse_bound, r.worst_blk_index, r.worst_blk);
            failures++;
        }
        printf("  %-5s %zu bytes: %s\n", tr->name, sz, failures > failures_before ? "FAIL" : "identical to ggml, within bounds");
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
