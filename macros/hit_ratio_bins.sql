{% macro hit_ratio_in_bin(ratio, bins) -%}
    {#- True when the ratio falls in the bin row aliased `bins` of seed hit_ratio_bins.
        Every bin is (lower_edge, upper_edge]; bin 0 is (-1, 0], i.e. exactly 0 since a ratio is
        never negative. Edges ascend, so this is the method's "first bin whose upper edge the ratio
        does not exceed". -#}
    ({{ ratio }} > {{ bins }}.lower_edge and {{ ratio }} <= {{ bins }}.upper_edge)
{%- endmacro %}

{% macro hit_ratio_in_bucket(ratio, buckets) -%}
    {#- True when the ratio falls in the round-split bucket row aliased `buckets`:
        [lower_bound, upper_bound), the last bucket unbounded above (upper_bound null). -#}
    ({{ ratio }} >= {{ buckets }}.lower_bound
        and ({{ buckets }}.upper_bound is null or {{ ratio }} < {{ buckets }}.upper_bound))
{%- endmacro %}

{% macro hit_ratio_in_threshold(ratio, threshold) -%}
    {#- True when the ratio lies in a hit_ratio_thresholds row (a dict from seed_rows):
        lower_bound <= ratio < upper_bound, either bound absent. Literals are doubles. -#}
    {%- if threshold.lower_bound is not none and threshold.upper_bound is not none -%}
        ({{ ratio }} >= cast({{ threshold.lower_bound }} as double) and {{ ratio }} < cast({{ threshold.upper_bound }} as double))
    {%- elif threshold.lower_bound is not none -%}
        {{ ratio }} >= cast({{ threshold.lower_bound }} as double)
    {%- else -%}
        {{ ratio }} < cast({{ threshold.upper_bound }} as double)
    {%- endif -%}
{%- endmacro %}
