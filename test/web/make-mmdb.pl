#!/usr/bin/perl
# Writes a tiny MaxMind-format database (country + ASN fields) for the dashboard tests, with
# MaxMind's own writer (Debian package libmaxmind-db-writer-perl). Usage: make-mmdb.pl OUT.mmdb
use strict;
use utf8;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out) = @ARGV or die "usage: $0 OUT.mmdb\n";
my %types = (
    country                        => 'map',
    iso_code                       => 'utf8_string',
    names                          => 'map',
    en                             => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'hardline-test-geo',
    languages                => ['en'],
    description              => { en => 'hardline test data (documentation prefixes only)' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => 1,
);
my %nets = (
    '203.0.113.0/24'  => [ 'NL', 'Netherlands',   64500, 'Example Hosting BV' ],
    '198.51.100.0/24' => [ 'DE', 'Germany',       64501, 'Beispiel Telekom AG' ],
    '2001:db8::/32'   => [ 'SE', 'Sweden',        64502, 'Exempel Nät AB' ],
    '192.0.2.0/24'    => [ 'GB', 'United Kingdom', 64503, 'Example Carrier Ltd' ],
);
for my $n (sort keys %nets) {
    my ($iso, $name, $asn, $org) = @{ $nets{$n} };
    $tree->insert_network($n, {
        country                        => { iso_code => $iso, names => { en => $name } },
        autonomous_system_number       => $asn,
        autonomous_system_organization => $org,
    });
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
