"""Explanations: every method on every family, the overlay, the metrics, and ground truth.

The ground-truth tests train a tiny CNN on synthetic faces whose label is the mouth's bend alone,
then check that Grad-CAM points at the mouth and beats random maps on faithfulness.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import pytest

from fer_core.errors import ImageError, ModelError
from fer_core.explain import (
    BASELINE,
    METHODS,
    explain_face,
    make_explainer,
    normalize_maps,
    overlay,
    random_maps,
)
from fer_core.explain.gradients import gradient_pass
from fer_core.explain.methods import IntegratedGradients, SmoothGrad
from fer_core.explain.metrics import (
    METRICS,
    Perturbation,
    area_under,
    compare_methods,
    faithfulness,
    perturbation_curves,
    pointing_game,
    rank_correlation,
    stability,
)
from fer_core.explain.synthetic import SYNTHETIC_CLASSES, synthetic_faces
from fer_core.models import build_model, get_spec
from tests.helpers import random_faces

FAMILY_OPTIONS = {
    "custom_cnn": {},
    "fer_resnet": {"width": 8},
    "fer_vgg": {"width": 8},
    "vgg16_modified": {},
    "transfer_vgg16": {"weights": "random", "image_size": 32},
}


@functools.cache
def untrained(family: str) -> keras.Model:
    return build_model(get_spec(family), 7, options=FAMILY_OPTIONS[family])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", FAMILY_OPTIONS)
def test_every_method_gives_normalised_maps_on_every_family(family, method, monkeypatch) -> None:
    monkeypatch.setattr(SmoothGrad, "samples", 3)  # same code paths, a fraction of the time
    monkeypatch.setattr(IntegratedGradients, "steps", 4)
    explainer = make_explainer(method, untrained(family), get_spec(family).gradcam_layer)
    heatmaps = explainer.explain(random_faces(2))
    assert heatmaps.shape == (2, 48, 48) and heatmaps.dtype == np.float32
    assert np.isfinite(heatmaps).all() and heatmaps.min() >= 0 and heatmaps.max() <= 1


def test_explainers_are_built_once_and_cam_methods_share_one_pass() -> None:
    model = untrained("custom_cnn")
    first = make_explainer("gradcam", model, "block2_conv2")
    assert make_explainer("gradcam", model, "block2_conv2") is first
    engine = gradient_pass(model, "block2_conv2")
    engine._remembered.clear()
    faces = random_faces(2, seed=5)
    for method in ("gradcam", "gradcampp", "hirescam", "layercam", "saliency"):
        make_explainer(method, model, "block2_conv2").explain(faces, [1, 2])
    assert len(engine._remembered) == 1  # one forward and backward pass served all five


def test_a_chosen_class_is_explained() -> None:
    faces = random_faces(3, seed=1)
    explainer = make_explainer("saliency", untrained("custom_cnn"))
    for_class = explainer.explain(faces, 3)
    per_face = explainer.explain(faces, [3, 3, 3])
    np.testing.assert_allclose(for_class, per_face, atol=1e-6)
    assert not np.allclose(explainer.explain(faces, 0), for_class)
    with pytest.raises(ModelError, match="2 class indices given for 3 images"):
        explainer.explain(faces, [1, 2])
    with pytest.raises(ModelError, match="class index 7 is out of range.*7 classes"):
        explainer.explain(faces, 7)


def test_unknown_method_layer_and_bad_images_are_clear_errors() -> None:
    model = untrained("custom_cnn")
    with pytest.raises(ModelError, match="unknown explanation method 'gradcam9'.*hirescam"):
        make_explainer("gradcam9", model)
    with pytest.raises(ModelError, match="no layer 'block9_conv1'.*block2_conv2"):
        make_explainer("gradcam", model, "block9_conv1")
    with pytest.raises(ModelError, match="layer 'fc1'.*not the \\(N, H, W, C\\) feature maps"):
        make_explainer("gradcam", model, "fc1")
    with pytest.raises(ImageError, match="48x48 grey faces"):
        make_explainer("saliency", model).explain(np.zeros((2, 32, 32), np.uint8))


def test_missing_layer_falls_back_to_the_last_spatial_one() -> None:
    assert make_explainer("gradcam", untrained("custom_cnn")).layer == "block2_drop"


def test_flat_and_broken_maps_normalise_without_nan() -> None:
    maps = np.zeros((3, 48, 48), np.float32)
    maps[1, 5, 5] = np.nan
    maps[2] = np.linspace(-2, 2, 48 * 48).reshape(48, 48)
    normalised = normalize_maps(maps)
    assert np.isfinite(normalised).all()
    assert not normalised[:2].any()
    assert normalised[2].min() == 0 and normalised[2].max() == 1


def test_overlay_is_an_rgb_picture_of_the_requested_size() -> None:
    face = random_faces(1)[0]
    heatmap = np.linspace(0, 1, 48 * 48, dtype=np.float32).reshape(48, 48)
    big = overlay(face, heatmap, size=192)
    assert big.mode == "RGB" and big.size == (192, 192)
    assert overlay(face, heatmap, colormap="inferno").size == (48, 48)
    hot = np.asarray(overlay(face, heatmap, alpha=1.0))
    assert hot[-1, -1, 0] > hot[-1, -1, 2] and hot[0, 0, 2] > hot[0, 0, 0]  # jet: red = high
    with pytest.raises(ImageError, match="unknown colormap 'rainbow'"):
        overlay(face, heatmap, colormap="rainbow")
    with pytest.raises(ImageError, match="same 2-D size"):
        overlay(face, heatmap[:10])


def test_synthetic_faces_are_reproducible_and_balanced() -> None:
    faces = synthetic_faces(30, seed=3)
    assert faces.images.shape == (30, 48, 48) and faces.images.dtype == np.uint8
    assert np.bincount(faces.labels).tolist() == [10, 10, 10]
    assert faces.classes == SYNTHETIC_CLASSES
    assert faces.regions.dtype == bool and faces.regions[:, 30:40, 24].all()
    assert not faces.regions[:, :20].any()  # eyes and brows are never in the region
    np.testing.assert_array_equal(synthetic_faces(30, seed=3).images, faces.images)


def test_pointing_game_counts_peaks_in_the_grown_region() -> None:
    regions = np.zeros((3, 48, 48), bool)
    regions[:, 30:40, 10:20] = True
    heatmaps = np.zeros((3, 48, 48), np.float32)
    heatmaps[0, 35, 15] = 1  # inside
    heatmaps[1, 41, 15] = 1  # two pixels below: inside with the margin
    heatmaps[2, 5, 5] = 1  # far away
    assert pointing_game(heatmaps, regions) == pytest.approx(2 / 3)
    assert pointing_game(heatmaps, regions, margin=0) == pytest.approx(1 / 3)
    assert pointing_game(heatmaps, regions, correct=[True, False, False]) == 1.0
    assert np.isnan(pointing_game(heatmaps, regions, correct=[False] * 3))


def tiny_cam_net() -> keras.Model:
    """Three 5x5 conv blocks and a 3x3 conv at 6x6, global average pooling, softmax.

    Global pooling keeps each location's evidence where it is, the setting Grad-CAM is exact
    for; with a Flatten head, mean gradients mix locations and Grad-CAM often comes out empty.
    """
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    for i, filters in enumerate((8, 16, 16), start=1):
        x = keras.layers.Conv2D(filters, 5, padding="same", activation="relu", name=f"c{i}")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="features")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(len(SYNTHETIC_CLASSES), activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def trained_on_mouths():
    """The tiny net trained for seconds on 900 synthetic faces, and 90 unseen ones."""
    keras.utils.set_random_seed(0)
    train, test = synthetic_faces(900, seed=0), synthetic_faces(90, seed=1)
    model = tiny_cam_net()
    model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy")
    model.fit(train.images[..., None].astype("float32"), train.labels, epochs=12, batch_size=32,
              verbose=0)
    predicted = model.predict(test.images[..., None].astype("float32"), verbose=0).argmax(1)
    return model, test, predicted


def test_gradcam_points_at_the_mouth_that_decides(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    correct = predicted == test.labels
    assert correct.mean() > 0.9
    heatmaps = make_explainer("gradcam", model, "features").explain(test.images)
    assert pointing_game(heatmaps, test.regions, correct) >= 0.8
    assert pointing_game(random_maps(heatmaps.shape), test.regions, correct) < 0.5


def test_gradcam_is_more_faithful_than_random_maps(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    heatmaps = make_explainer("gradcam", model, "features").explain(test.images, predicted)
    how = Perturbation(steps=16)
    ours = faithfulness(model, test.images, predicted, heatmaps, how)
    chance = faithfulness(model, test.images, predicted, random_maps(heatmaps.shape), how)
    assert ours["deletion_auc"] < chance["deletion_auc"]
    assert ours["insertion_auc"] > chance["insertion_auc"]
    assert all(0 <= value <= 1 for value in (*ours.values(), *chance.values()))


def test_perturbation_curves_run_from_the_face_to_the_baseline(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    faces, classes = test.images[:4], predicted[:4]
    heatmaps = random_maps(faces.shape, seed=1)
    original = model.predict(faces[..., None].astype("float32"), verbose=0)[np.arange(4), classes]
    how = Perturbation(steps=8)
    deletion = perturbation_curves(model, faces, classes, heatmaps, "deletion", how)
    insertion = perturbation_curves(model, faces, classes, heatmaps, "insertion", how)
    assert deletion.shape == insertion.shape == (4, 9)
    np.testing.assert_allclose(deletion[:, 0], original, atol=1e-5)
    np.testing.assert_allclose(insertion[:, -1], original, atol=1e-5)
    np.testing.assert_allclose(deletion[:, -1], insertion[:, 0], atol=1e-5)
    assert area_under(np.ones((1, 9)))[0] == pytest.approx(1.0)
    with pytest.raises(ModelError, match="unknown perturbation mode"):
        perturbation_curves(model, faces, classes, heatmaps, "erasure")


def test_compare_methods_has_a_row_per_model_and_method_plus_random(trained_on_mouths) -> None:
    model, test, _ = trained_on_mouths
    rows = compare_methods({"tiny": (model, "features")}, test.images[:12],
                           methods=("gradcam", "saliency"), how=Perturbation(steps=8))
    assert [(row["model"], row["method"]) for row in rows] == [
        ("tiny", "gradcam"), ("tiny", "saliency"), ("tiny", BASELINE)]
    assert {"deletion_auc", "insertion_auc", "average_drop", "average_increase"} <= set(rows[0])
    assert all(row["n"] == 12 for row in rows)
    for row in rows:
        for name in METRICS:
            low, high = row[f"{name}_ci"]
            assert low <= row[name] <= high
        assert row["default"] is False
    gradcam, saliency, chance = rows
    assert chance["beats_random"] is None and chance["sanity"] is None
    assert 0 <= gradcam["beats_random"] <= 4
    assert -1 <= gradcam["sanity"] <= 1 and -1 <= gradcam["stability"] <= 1


@pytest.mark.parametrize("method", ["gradcampp", "layercam"])
def test_one_pass_cams_match_tf_keras_vis(trained_on_mouths, method) -> None:
    from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
    from tf_keras_vis.layercam import Layercam
    from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
    from tf_keras_vis.utils.scores import CategoricalScore

    from fer_core.explain.heatmaps import upsample

    model, test, predicted = trained_on_mouths
    faces, classes = test.images[:6], predicted[:6].tolist()
    reference = {"gradcampp": GradcamPlusPlus, "layercam": Layercam}[method](
        model, model_modifier=ReplaceToLinear(), clone=True)(
        CategoricalScore(classes), faces[..., None].astype("float32"),
        penultimate_layer="features", seek_penultimate_conv_layer=False, expand_cam=False,
        normalize_cam=False)
    ours = make_explainer(method, model, "features").explain(faces, classes)
    np.testing.assert_allclose(ours, normalize_maps(upsample(np.asarray(reference), 48)),
                               atol=1e-3)


@pytest.mark.parametrize("method", ["gradcam", "hirescam", "layercam", "occlusion",
                                    "integrated_gradients", "smoothgrad"])
def test_each_method_finds_the_mouth_and_beats_random_maps(trained_on_mouths, method) -> None:
    """On faces whose label is the mouth alone, a faithful map peaks on the mouth and removing
    what it ranks first hurts the prediction more than removing random pixels."""
    model, test, predicted = trained_on_mouths
    correct = predicted == test.labels
    heatmaps = make_explainer(method, model, "features").explain(test.images, predicted)
    assert pointing_game(heatmaps, test.regions, correct) >= 0.7
    how = Perturbation(steps=16)
    ours = faithfulness(model, test.images, predicted, heatmaps, how)
    chance = faithfulness(model, test.images, predicted, random_maps(heatmaps.shape), how)
    assert ours["deletion_auc"] < chance["deletion_auc"]
    assert ours["insertion_auc"] > chance["insertion_auc"]


def test_occlusion_drops_most_where_the_mouth_is_covered(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    heatmaps = make_explainer("occlusion", model).explain(test.images[:20], predicted[:20])
    inside = [m[r].mean() for m, r in zip(heatmaps, test.regions[:20], strict=True)]
    outside = [m[~r].mean() for m, r in zip(heatmaps, test.regions[:20], strict=True)]
    assert np.mean(inside) > 2 * np.mean(outside)


def test_sanity_and_stability_checks(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    faces, classes = test.images[:20], predicted[:20]
    rows = compare_methods({"tiny": (model, "features")}, faces, methods=("gradcam",),
                           how=Perturbation(steps=8))
    gradcam = rows[0]
    assert gradcam["sanity"] < 0.5  # random top layers: a different map
    assert gradcam["stability"] > 0.7  # a re-encoded or shifted face: nearly the same map
    maps = make_explainer("gradcam", model, "features").explain(faces, classes)
    assert rank_correlation(maps, maps) == pytest.approx(np.ones(20))
    assert stability(make_explainer("gradcam", model, "features").explain, faces, classes,
                     maps) == pytest.approx(gradcam["stability"], abs=1e-6)


def test_explain_face_scores_every_map_against_the_random_one(trained_on_mouths) -> None:
    model, test, predicted = trained_on_mouths
    results = explain_face(model, "features", ["hirescam", "gradcam", "hirescam"],
                           test.images[0], int(predicted[0]))
    assert list(results) == ["hirescam", "gradcam", BASELINE]
    assert results[BASELINE].beats_random is None
    for result in results.values():
        assert result.heatmap.shape == (48, 48) and set(result.scores) == set(METRICS)
    assert 0 <= results["gradcam"].beats_random <= 4


def test_regions_cover_the_face_once_and_shares_add_up() -> None:
    from fer_core.explain.regions import REGIONS, region_shares

    assert (np.sum(np.stack(list(REGIONS.values())), axis=0) == 1).all()
    shares = region_shares(np.zeros((48, 48)))
    assert sum(shares.values()) == pytest.approx(1)
    spot = np.zeros((48, 48))
    spot[38, 24] = 1
    assert region_shares(spot)["mouth"] == 1


def test_class_maps_and_covering_find_the_mouth_that_decides(trained_on_mouths) -> None:
    """The synthetic faces' label is the mouth alone: the average map of each class puts its
    mass on the mouth, and covering the mouth changes the prediction more than any other part."""
    from fer_core.explain.regions import PARTS, REGIONS, class_maps, cover_effect, region_shares

    model, test, predicted = trained_on_mouths
    explainer = make_explainer("gradcam", model, "features")
    averages = class_maps(explainer.explain, test.images, test.labels, SYNTHETIC_CLASSES)
    assert set(averages) == set(SYNTHETIC_CLASSES)
    for average in averages.values():
        shares = region_shares(average)
        assert max(PARTS, key=shares.get) == "mouth", shares  # the synthetic mouth spans rows
        assert shares["mouth"] / REGIONS["mouth"].mean() > 1.5  # 27-45, the nose box's end too
    drops = {part: [] for part in PARTS}
    for face, label in zip(test.images[:30], predicted[:30], strict=True):
        effect = cover_effect(model, face)
        for part in PARTS:
            drops[part].append(effect["nothing"][label] - effect[part][label])
    mean_drop = {part: float(np.mean(values)) for part, values in drops.items()}
    assert max(mean_drop, key=mean_drop.get) == "mouth", mean_drop


def test_feature_maps_go_from_the_full_face_to_the_last_block() -> None:
    from fer_core.explain.inside import feature_maps

    blocks = feature_maps(untrained("fer_vgg"), random_faces(1)[0], top=4)
    assert [b.size for b in blocks] == [(48, 48), (24, 24), (12, 12), (6, 6)]
    assert all(b.maps.shape == (4, *b.size) and b.maps.max() <= 1 for b in blocks)


def test_the_default_must_beat_random_clearly_and_pass_both_checks() -> None:
    from fer_core.explain.choice import choose

    def row(method, layer, deletion, insertion, sanity=0.1, stability=0.9, width=0.02):
        return {"method": method, "layer": layer, "n": 200,
                "deletion_auc": deletion, "deletion_auc_ci": [deletion - width, deletion + width],
                "insertion_auc": insertion,
                "insertion_auc_ci": [insertion - width, insertion + width],
                "sanity": sanity, "stability": stability}

    rows = [row("gradcam", "b3", 0.30, 0.45), row("hirescam", "b2", 0.25, 0.55),
            row("layercam", "b2", 0.20, 0.65, sanity=0.7),  # fails the sanity check
            row("random", "b3", 0.33, 0.34, None, None),
            row("integrated_gradients", None, 0.10, 0.75, stability=0.6),  # unstable
            row("occlusion", None, 0.18, 0.60),
            row("saliency", None, 0.32, 0.36)]  # within random's interval
    choice = choose(rows)
    assert (choice.method, choice.layer) == ("occlusion", "b2")
    assert choose([rows[3], row("gradcam", "b3", 0.32, 0.35)]).method is None
